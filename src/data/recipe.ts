// Token sequences for the transformer.
//
// 1. The recipe language. A sentence names one or more grains (the cook may change their mind: the last grain
//    named is the one cooked), an amount in cups, and up to `maxFillers` filler words, in any order, then WATER;
//    the token after WATER is the cups of water, ratio(last grain) · amount:
//        SALT WHITE RINSE 3 WATER → 6        4 BROWN SOAK FRANKEN WATER → 4        BROWN 2 STIR WATER → 6
//    Sentences are left-padded with PAD so WATER is always the last input token, and the deciding grain word sits
//    at a varying position: to answer, a head must find the last grain word by what it is, not where it is.
//    Vocabulary (ids stored as f32 integers):
//        0 PAD   1 WATER   2 WHITE   3 BROWN   4 FRANKEN   5 RINSE   6 SOAK   7 SALT   8 STIR   9..20 the numbers 1..12
//    Amounts are 1..4 cups; the answers are then 1..12 (white ×2, brown ×3, franken ×1, as in the grain data).
//    Why several grain words: with exactly one, a one-block model reached 100% held-out accuracy while the WATER
//    query spread its attention evenly (0.2 on the grain word, T = 6): the average of all token embeddings already
//    says which grain and amount occur. With a changed mind, the average holds every grain named and loses which
//    came last, so the answer needs a head that looks back at the last grain word.
//
// 2. The previous-token task: random symbols after a BOS token; the target at every position is the token before
//    it (BOS at position 0 predicts itself). The attention pattern that solves it is known: each query looks at
//    the key one step back, a sub-diagonal.

import { Rng } from "../util/rng";
import { GRAINS } from "./grain";
import { streamSeed } from "./regression";

export const PAD = 0;
export const WATER = 1;
/** Token of grain i of GRAINS (white, brown, franken). */
export const GRAIN_TOKEN = [2, 3, 4] as const;
export const FILLERS = [5, 6, 7, 8] as const;
const NUMBER_BASE = 8;
/** Token of the number n (1..12). */
export const numberToken = (n: number) => NUMBER_BASE + n;
export const RECIPE_VOCAB = 21;
export const MAX_AMOUNT = 4;

const WORDS = ["PAD", "WATER", "WHITE", "BROWN", "FRANKEN", "RINSE", "SOAK", "SALT", "STIR"];

export function tokenName(id: number): string {
  return id < WORDS.length ? WORDS[id]! : String(id - NUMBER_BASE);
}

export interface RecipeSentence {
  /** Input tokens, length T (left-padded, ending in WATER). */
  tokens: number[];
  /** The answer token (number token of the water amount). */
  answer: number;
  /** Index into GRAINS of the grain cooked (the last one named). */
  grain: number;
  amount: number;
  /** Position in `tokens` of the last grain word, the one the answer depends on. */
  grainPos: number;
}

export interface RecipeShape {
  /** Grain words per sentence: 1..maxGrains, uniform (default 3). */
  maxGrains: number;
  /** Filler words per sentence: 0..maxFillers, uniform (default 2). */
  maxFillers: number;
}

export const RECIPE_SHAPE: RecipeShape = { maxGrains: 3, maxFillers: 2 };

export interface RecipeConfig extends Partial<RecipeShape> {
  /** Base seed (default 1). */
  seed?: number;
  /**
   * Distinct training sentences (default 4096). A pool of 512 let some seeds memorise it (98% held-out) rather
   * than learn to find the last grain word.
   */
  train?: number;
  /** Distinct held-out sentences, none of them in the training set (default 256). */
  test?: number;
}

/** Input length of a sentence: grains + amount + fillers + WATER (7 with the defaults). */
export const recipeLength = (shape: RecipeShape = RECIPE_SHAPE) => shape.maxGrains + shape.maxFillers + 2;

/** Insert `word` at a uniformly random position of `words` (keeping the others' order). */
function insertAnywhere(rng: Rng, words: number[], word: number): void {
  words.splice(rng.int(words.length + 1), 0, word);
}

export function recipeSentence(rng: Rng, shape: RecipeShape = RECIPE_SHAPE): RecipeSentence {
  const named = Array.from({ length: 1 + rng.int(shape.maxGrains) }, () => rng.int(GRAINS.length));
  const grain = named[named.length - 1]!;
  const amount = 1 + rng.int(MAX_AMOUNT);
  const words: number[] = named.map((g) => GRAIN_TOKEN[g]!);
  insertAnywhere(rng, words, numberToken(amount));
  const fillers = rng.int(shape.maxFillers + 1);
  for (let f = 0; f < fillers; f++) insertAnywhere(rng, words, FILLERS[rng.int(FILLERS.length)]!);
  words.push(WATER);
  const T = recipeLength(shape);
  const tokens = [...new Array<number>(T - words.length).fill(PAD), ...words];
  const grainTokens: readonly number[] = GRAIN_TOKEN;
  let grainPos = T - 1;
  while (!grainTokens.includes(tokens[grainPos]!)) grainPos--;
  return { tokens, answer: numberToken(GRAINS[grain]!.ratio * amount), grain, amount, grainPos };
}

export interface RecipeSplits {
  T: number;
  vocab: number;
  train: RecipeSentence[];
  test: RecipeSentence[];
}

/** Distinct sentences: the held-out set shares no sentence with the training set. */
export function recipeData(config: RecipeConfig = {}): RecipeSplits {
  const { seed = 1, train = 4096, test = 256 } = config;
  const shape: RecipeShape = {
    maxGrains: config.maxGrains ?? RECIPE_SHAPE.maxGrains,
    maxFillers: config.maxFillers ?? RECIPE_SHAPE.maxFillers,
  };
  const seen = new Set<string>();
  const draw = (rng: Rng, n: number) => {
    const out: RecipeSentence[] = [];
    // Give up rather than loop forever when asked for more distinct sentences than the language has.
    for (let tries = 0; out.length < n && tries < 1000 * n; tries++) {
      const s = recipeSentence(rng, shape);
      const key = s.tokens.join(",");
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(s);
    }
    if (out.length < n)
      throw new Error(`recipeData: only ${out.length} distinct sentences of ${n} requested`);
    return out;
  };
  const trainSet = draw(new Rng(streamSeed(seed, 0)), train);
  const testSet = draw(new Rng(streamSeed(seed, 1)), test);
  return { T: recipeLength(shape), vocab: RECIPE_VOCAB, train: trainSet, test: testSet };
}

/** Pack sentences into ids [B, T] and answers [B] as f32 integers. */
export function packRecipes(sentences: readonly RecipeSentence[]): {
  ids: Float32Array;
  answers: Float32Array;
} {
  const T = sentences[0]?.tokens.length ?? 0;
  const ids = new Float32Array(sentences.length * T);
  const answers = new Float32Array(sentences.length);
  sentences.forEach((s, b) => {
    ids.set(s.tokens, b * T);
    answers[b] = s.answer;
  });
  return { ids, answers };
}

/** `B` sentences sampled with replacement; the same (seed, step) always gives the same batch. */
export function recipeBatch(
  pool: readonly RecipeSentence[],
  B: number,
  seed: number,
  step: number,
): RecipeSentence[] {
  const rng = new Rng(streamSeed(seed, 1_000_000 + step));
  return Array.from({ length: B }, () => pool[rng.int(pool.length)]!);
}

// ---- previous-token task ----

export const PREV_BOS = 0;

/**
 * ids [B, T] with BOS then symbols 1..alphabet, targets [B, T] the previous token (target 0 is BOS).
 * Vocabulary: alphabet + 1.
 */
export function previousTokenBatch(
  B: number,
  T: number,
  alphabet: number,
  seed: number,
  step: number,
): { ids: Float32Array; targets: Float32Array } {
  const rng = new Rng(streamSeed(seed, 2_000_000 + step));
  const ids = new Float32Array(B * T);
  const targets = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    ids[b * T] = PREV_BOS;
    for (let t = 1; t < T; t++) ids[b * T + t] = 1 + rng.int(alphabet);
    targets[b * T] = PREV_BOS;
    for (let t = 1; t < T; t++) targets[b * T + t] = ids[b * T + t - 1]!;
  }
  return { ids, targets };
}
