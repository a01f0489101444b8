// Presets of the character-level GPT: the model's shape and its training recipe.
// - small: nanoGPT's documented CPU run of train_shakespeare_char (4 layers, 4 heads, width 128, context 64,
//   batch 12, 2,000 steps, lr 1e-3 → 1e-4 by cosine after 100 warmup steps, AdamW β₂ = 0.99, weight decay 0.1
//   on matrices, clip 1.0, no dropout).
// - tiny: one block of width 32 over 16 characters (longer than any name), for the names corpus, 1,200 steps. On
//   the CPU backend (Node 20, 2-core Xeon shared with other jobs) `npm run train -- char-gpt --dataset names` took
//   62 s of CPU time and reached validation 2.228 nats/char against the bigram's 2.444 (600 steps gave 2.305; 1,000
//   steps at lr 2e-2 gave 2.275; one layer of width 64 or two of width 32 cost 2-4x the time for no gain).

import type { CharGptConfig } from "./char-gpt";

export interface CharGptTraining {
  batch: number;
  steps: number;
  /** Peak learning rate, reached after `warmup` steps, then cosine decay to `minLr` at `steps`. */
  lr: number;
  minLr: number;
  warmup: number;
  beta1: number;
  beta2: number;
  /** AdamW's decoupled decay, on parameters of rank >= 2 only. */
  weightDecay: number;
  /** Global gradient-norm clip. */
  clipNorm: number;
  /** Seed of the training batches. */
  dataSeed: number;
}

export type CharGptModelShape = Pick<CharGptConfig, "layers" | "heads" | "width" | "context">;

export interface CharGptPreset {
  model: CharGptModelShape;
  training: CharGptTraining;
}

export type CharGptPresetName = "small" | "tiny";

const RECIPE = { beta1: 0.9, beta2: 0.99, weightDecay: 0.1, clipNorm: 1, dataSeed: 1 };

export const CHAR_GPT_PRESETS: Record<CharGptPresetName, CharGptPreset> = {
  small: {
    model: { layers: 4, heads: 4, width: 128, context: 64 },
    training: { ...RECIPE, batch: 12, steps: 2000, lr: 1e-3, minLr: 1e-4, warmup: 100 },
  },
  tiny: {
    model: { layers: 1, heads: 4, width: 32, context: 16 },
    training: { ...RECIPE, batch: 32, steps: 1200, lr: 1e-2, minLr: 1e-3, warmup: 10 },
  },
};

export function charGptPreset(name: CharGptPresetName): CharGptPreset {
  const p = CHAR_GPT_PRESETS[name];
  if (!p) {
    throw new Error(
      `char-gpt: unknown preset '${String(name)}': choose one of ${Object.keys(CHAR_GPT_PRESETS).join(", ")}`,
    );
  }
  return { model: { ...p.model }, training: { ...p.training } };
}

/** `training` at the peak rate `lr`, its decay ending at the same fraction of the peak as before. */
export function charGptAtRate(training: CharGptTraining, lr: number): CharGptTraining {
  return { ...training, lr, minLr: lr * (training.minLr / training.lr) };
}

/**
 * `training` (a recipe of the preset `name`, at any rates and batch) over a run of `total` steps: its schedule spans
 * them, the preset's warmup cut to fit. A run of N steps from a file at step k goes along the one of k + N steps.
 */
export function charGptStretched(
  name: CharGptPresetName,
  training: CharGptTraining,
  total: number,
): CharGptTraining {
  const warmup = charGptPreset(name).training.warmup;
  return { ...training, steps: Math.max(1, total), warmup: Math.min(warmup, Math.max(0, total - 1)) };
}

/** The preset whose model shape `c` has (layers, heads, width, context), or null. */
export function charGptPresetOf(c: CharGptModelShape): CharGptPresetName | null {
  for (const [name, p] of Object.entries(CHAR_GPT_PRESETS) as [CharGptPresetName, CharGptPreset][])
    if ((["layers", "heads", "width", "context"] as const).every((k) => p.model[k] === c[k])) return name;
  return null;
}
