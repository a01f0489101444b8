// Baselines a language model must beat, fitted on the training split and scored on the held-out split:
// - unigram: p(c) = (n(c) + α) / (N + α·V), scored on every held-out character;
// - bigram: p(c | a) = (n(a, c) + α) / (n(a, ·) + α·V), scored on every consecutive pair inside the held-out
//   text (its first character has no context there and is not scored).
// Add-α smoothing with α = 0.1 by default, so unseen characters and pairs keep some probability.
// Cross-entropies are in nats per character (divide by ln 2 for bits).

export interface Baselines {
  /** Validation cross-entropy, nats per character. */
  unigram: number;
  bigram: number;
  /** The smoothing constant used. */
  alpha: number;
}

export const DEFAULT_ALPHA = 0.1;

export function unigramCrossEntropy(
  train: ArrayLike<number>,
  val: ArrayLike<number>,
  vocab: number,
  alpha = DEFAULT_ALPHA,
): number {
  if (val.length === 0) throw new Error("unigram baseline: the held-out text is empty");
  const counts = new Float64Array(vocab);
  for (let i = 0; i < train.length; i++) counts[train[i]!]!++;
  const denom = train.length + alpha * vocab;
  let nll = 0;
  for (let i = 0; i < val.length; i++) nll -= Math.log((counts[val[i]!]! + alpha) / denom);
  return nll / val.length;
}

export function bigramCrossEntropy(
  train: ArrayLike<number>,
  val: ArrayLike<number>,
  vocab: number,
  alpha = DEFAULT_ALPHA,
): number {
  if (val.length < 2) throw new Error("bigram baseline: the held-out text has fewer than 2 characters");
  const pairs = new Float64Array(vocab * vocab);
  const contexts = new Float64Array(vocab);
  for (let i = 0; i + 1 < train.length; i++) {
    pairs[train[i]! * vocab + train[i + 1]!]!++;
    contexts[train[i]!]!++;
  }
  let nll = 0;
  for (let i = 0; i + 1 < val.length; i++) {
    const a = val[i]!;
    nll -= Math.log((pairs[a * vocab + val[i + 1]!]! + alpha) / (contexts[a]! + alpha * vocab));
  }
  return nll / (val.length - 1);
}

export function baselines(
  train: ArrayLike<number>,
  val: ArrayLike<number>,
  vocab: number,
  alpha = DEFAULT_ALPHA,
): Baselines {
  return {
    unigram: unigramCrossEntropy(train, val, vocab, alpha),
    bigram: bigramCrossEntropy(train, val, vocab, alpha),
    alpha,
  };
}
