// Batches of the next-character task: windows of `context` ids as inputs, the same window shifted by one as
// targets. Training batches are drawn from a seeded generator per step (so step s always sees the same batch,
// and a resumed run repeats it); validation uses a fixed set of held-out windows.

import { Rng } from "../../util/rng";

export interface TokenBatch {
  /** [batch·context] input ids, row-major [batch, context]. */
  inputs: Float32Array;
  /** [batch·context] the next id after each input. */
  targets: Float32Array;
  batch: number;
  context: number;
}

export class BatchError extends Error {
  override name = "BatchError";
}

/** The batch at window starts `starts`. */
export function batchAt(ids: ArrayLike<number>, starts: readonly number[], context: number): TokenBatch {
  const batch = starts.length;
  const inputs = new Float32Array(batch * context);
  const targets = new Float32Array(batch * context);
  starts.forEach((s, b) => {
    if (s < 0 || s + context + 1 > ids.length)
      throw new BatchError(`window start ${s} leaves the text of ${ids.length}`);
    for (let t = 0; t < context; t++) {
      inputs[b * context + t] = ids[s + t]!;
      targets[b * context + t] = ids[s + t + 1]!;
    }
  });
  return { inputs, targets, batch, context };
}

function checkFits(ids: ArrayLike<number>, context: number, what: string): void {
  if (ids.length < context + 1) {
    throw new BatchError(
      `the ${what} text has ${ids.length} characters; a context of ${context} needs at least ${context + 1}`,
    );
  }
}

/** `batch` windows at starts drawn from `rng`. */
export function randomBatch(ids: ArrayLike<number>, batch: number, context: number, rng: Rng): TokenBatch {
  checkFits(ids, context, "training");
  const span = ids.length - context;
  return batchAt(
    ids,
    Array.from({ length: batch }, () => rng.int(span)),
    context,
  );
}

/** The training batch of step `step` under `seed`: its own generator, so it does not depend on earlier steps. */
export function trainingBatch(
  ids: ArrayLike<number>,
  batch: number,
  context: number,
  seed: number,
  step: number,
): TokenBatch {
  return randomBatch(
    ids,
    batch,
    context,
    new Rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0),
  );
}

/** `count` fixed held-out batches (the same on every call with the same arguments). */
export function validationBatches(
  ids: ArrayLike<number>,
  count: number,
  batch: number,
  context: number,
  seed = 12345,
): TokenBatch[] {
  checkFits(ids, context, "validation");
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => randomBatch(ids, batch, context, rng));
}
