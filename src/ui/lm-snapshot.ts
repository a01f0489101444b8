// What the language-model page's job (jobs/lm-job.ts) sends the page: plain data that crosses postMessage.

import type { CharGptConfig } from "../models/char-gpt";

export interface LmSnapshot {
  kind: "lm";
  dataset: string;
  preset: string;
  config: CharGptConfig;
  vocab: string[];
  /** Validation cross-entropy (nats per character) of a unigram and a bigram model fitted on the training split. */
  baselines: { unigram: number; bigram: number };
  /** Since the previous snapshot. */
  tokensPerSecond: number;
  /** Training FLOPs per second achieved (3 × the forward's 2·weights per token, plus attention). */
  gflops: number;
  /** The prompt the sample continues ("" = from the boundary) and the text the current weights wrote. */
  prompt: string;
  sample: string;
  /** Why no sample was written (a prompt character outside the vocabulary, a bad top-k), or "". */
  sampleError: string;
  /** The held-out text the attention maps are drawn over. */
  snippet: string;
  /** attention[layer][head] is a T×T matrix: row = query position, column = key position. */
  attention: number[][][][];
}
