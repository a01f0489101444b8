// Signs that a run went wrong without going non-finite, read from what every run reports: the training loss per
// step, the loss of predicting a constant (the mean target), and the attention mixture's mean routing per group.
// Each sign gives one warning sentence; a healthy run gives none. The CLI prints them and writes them as `warnings`
// in --json; the pages can show the same sentences from a run's losses and attention.

export interface HealthInput {
  /** Training loss of every step, in order. */
  loss: readonly number[];
  /** The training loss of predicting the mean target for every input; null when there is no such baseline. */
  constantLoss: number | null;
  /** The final training loss after the last update, in the units of `constantLoss` (mean squared error). */
  finalLoss: number;
  /** Mean mixture weight of each expert, per group of inputs (attention mixtures); null for other models. */
  routing: Record<string, readonly number[]> | null;
}

/** A loss this close to the constant predictor's (relative) means the model predicts a constant. */
export const CONSTANT_FRACTION = 0.9;
/** A loss rising above this multiple of its starting value at any step means training was unstable. */
export const SPIKE_FACTOR = 10;
/** A mean routing weight at least this large sends a group's inputs to one expert. */
export const ROUTED = 0.99;

const fmt = (x: number) => (Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(3) : x.toPrecision(4));

export function healthWarnings(h: HealthInput): string[] {
  const out: string[] = [];
  const { loss } = h;
  const start = loss[0];
  if (start !== undefined && loss.length >= 10) {
    const last = loss[loss.length - 1]!;
    let peak = 0;
    for (let i = 1; i < loss.length; i++) if (loss[i]! > loss[peak]!) peak = i;
    if (last > start) {
      out.push(
        `diverged: the training loss rose from ${fmt(start)} at step 1 to ${fmt(last)} at step ${loss.length}; lower the learning rate`,
      );
    } else if (loss[peak]! > SPIKE_FACTOR * start) {
      out.push(
        `unstable: the training loss jumped to ${fmt(loss[peak]!)} at step ${peak + 1}, ${Math.round(loss[peak]! / start)}x its starting value ${fmt(start)}; the learning rate is likely too high`,
      );
    }
    const final = h.finalLoss;
    if (h.constantLoss !== null && last <= start && final >= CONSTANT_FRACTION * h.constantLoss) {
      out.push(
        `collapsed: the final training loss ${fmt(final)} is what predicting one constant for every input gives (${fmt(h.constantLoss)}); the model learned nothing beyond the mean`,
      );
    }
  }
  if (h.routing) {
    const groups = Object.entries(h.routing);
    const top = groups.map(([, w]) => w.indexOf(Math.max(...w)));
    const all = top.every((e) => e === top[0]) && groups.every(([, w], i) => w[top[i]!]! >= ROUTED);
    if (groups.length > 1 && all) {
      out.push(
        `routing collapsed: every group of inputs (${groups.map(([g]) => g).join(", ")}) is sent to expert ${top[0]! + 1} alone (mean weight >= ${ROUTED}); the other experts are unused`,
      );
    }
  }
  return out;
}

/** The training loss of predicting the mean of `targets` for every row (their variance): the constant baseline. */
export function constantLoss(targets: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < targets.length; i++) mean += targets[i]!;
  mean /= targets.length;
  let s = 0;
  for (let i = 0; i < targets.length; i++) s += (targets[i]! - mean) ** 2;
  return s / targets.length;
}
