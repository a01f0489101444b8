// Text written by the character-level GPT: autoregressive sampling with temperature and top-k from a seeded
// generator. The prompt's characters must all be in the vocabulary (others are refused with a message naming
// them); an empty prompt starts from the boundary token (a newline). Each step runs the model on the last
// `context` characters and samples from the logits of the last position.

import type { Vocab } from "../data/text/vocab";
import { Rng } from "../util/rng";
import type { CharGPT } from "./char-gpt";

export interface SampleOptions {
  /** Text to continue; "" starts from the boundary. */
  prompt?: string;
  /** Characters to write. */
  tokens: number;
  /** Divides the logits; 0 picks the most likely character (greedy). Default 1. */
  temperature?: number;
  /** Sample among the k most likely characters only (ties broken by lower id); default: all. */
  topK?: number;
  seed?: number;
  /** The character an empty prompt starts from (default "\n"). */
  boundary?: string;
}

export class SampleError extends Error {
  override name = "SampleError";
}

function checkOptions(o: SampleOptions, vocab: Vocab): void {
  if (!(Number.isInteger(o.tokens) && o.tokens >= 0))
    throw new SampleError(`sample: tokens must be an integer >= 0, got ${o.tokens}`);
  const temp = o.temperature ?? 1;
  if (!(Number.isFinite(temp) && temp >= 0))
    throw new SampleError(`sample: temperature must be a finite number >= 0, got ${temp}`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 1 && o.topK <= vocab.size)) {
    throw new SampleError(
      `sample: top-k must be an integer in [1, ${vocab.size}] (the vocabulary), got ${o.topK}`,
    );
  }
}

/** Draw one id from logits with temperature and top-k (pure; exported for tests). */
export function sampleFromLogits(
  logits: ArrayLike<number>,
  temperature: number,
  topK: number | undefined,
  rng: Rng,
): number {
  const order = Array.from({ length: logits.length }, (_, i) => i).sort(
    (a, b) => logits[b]! - logits[a]! || a - b,
  );
  if (temperature === 0) return order[0]!;
  const keep = order.slice(0, topK ?? order.length);
  const max = logits[keep[0]!]!;
  const w = keep.map((i) => Math.exp((logits[i]! - max) / temperature));
  let r = rng.next() * w.reduce((s, x) => s + x, 0);
  for (let j = 0; j < keep.length; j++) {
    r -= w[j]!;
    if (r < 0) return keep[j]!;
  }
  return keep[keep.length - 1]!;
}

/** Write `tokens` characters after the prompt; returns only the new text. */
export async function sampleCharGpt(model: CharGPT, vocab: Vocab, opts: SampleOptions): Promise<string> {
  checkOptions(opts, vocab);
  const mismatch = vocab.size !== model.config.vocab;
  if (mismatch)
    throw new SampleError(
      `sample: the vocabulary has ${vocab.size} characters, the model ${model.config.vocab}`,
    );
  const prompt = opts.prompt ?? "";
  const start = prompt === "" ? (opts.boundary ?? "\n") : prompt;
  const ids = Array.from(vocab.encode(start, "prompt"));
  const rng = new Rng(opts.seed ?? 1);
  const ctx = model.ctx;
  const T = model.config.context;
  const V = vocab.size;
  const out: number[] = [];
  for (let n = 0; n < opts.tokens; n++) {
    const window = ids.slice(-T);
    const logits = ctx.noGrad(() =>
      model.forward(ctx.constant(Float32Array.from(window), [1, window.length])),
    );
    const all = await logits.read();
    ctx.endStep();
    const next = sampleFromLogits(
      all.subarray((window.length - 1) * V),
      opts.temperature ?? 1,
      opts.topK,
      rng,
    );
    ids.push(next);
    out.push(next);
  }
  return vocab.decode(out);
}
