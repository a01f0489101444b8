// One training step of the character-level GPT's `small` preset (nanoGPT's CPU run: 4 layers, 4 heads, width 128,
// context 64, batch 12) on Moby-Dick: forward, backward, global-norm clipping and the AdamW update at the preset's
// scheduled learning rate. Ours on every backend, the same model in tfjs ops on each of tfjs's backends and in
// PyTorch on the CPU (bench/char_gpt_torch.py, through the CLI), all from the same initial weights (our seed-1
// model) and the same batches (step s trains on the batch our task draws for step s). The check: the losses of the
// first steps from fresh weights agree with our CPU backend's reference configuration.

import type { Backend } from "../../src/backend/contract";
import { CpuBackend } from "../../src/backend/cpu";
import { trainingBatch } from "../../src/data/text/batches";
import { loadCorpus } from "../../src/data/text/corpus";
import { viteCorpusSource } from "../../src/data/text/sources-vite";
import type { CharGptConfig } from "../../src/models/char-gpt";
import { type CharGptTraining, charGptPreset } from "../../src/models/char-gpt-presets";
import {
  type CharGptTask,
  charGptConfigFor,
  charGptTask,
  charGptTrainConfig,
  type EncodedCorpus,
  encodeCorpus,
} from "../../src/models/char-gpt-train";
import type { OptimizerConfig } from "../../src/nn/optim";
import { scheduledLr } from "../../src/nn/schedule";
import type { Group, RunnerSpec } from "../lib/harness";
import { CHAR_GPT_CASE } from "../lib/types";
import { tfCharGpt } from "./char-gpt-tfjs";
import { torchRunner } from "./char-gpt-torch";
import type { BenchContext } from "./common";
import type { CharGptPlan } from "./plan";
import { firstLosses, type Stepper, stepper, stepRunner, tfStepRunner, wasmOf } from "./training";

/** The preset, corpus and recipe every implementation trains with. */
export interface CharGptBench {
  data: EncodedCorpus;
  config: CharGptConfig;
  training: CharGptTraining;
  task: CharGptTask;
  optimizer: OptimizerConfig;
  /** The preset's learning rate at step s (warmup, then cosine decay). */
  lrAt(step: number): number;
  /** Inputs [batch, context] and targets [batch·context] of step s, as ids. */
  batchAt(step: number): { ids: Int32Array; targets: Int32Array };
  tokensPerStep: number;
}

const SMALL = charGptPreset("small");

let loaded: Promise<CharGptBench> | null = null;

/** The `small` preset on Moby-Dick, loaded once per page. */
export function charGptBench(): Promise<CharGptBench> {
  loaded ??= loadCorpus("moby-dick", viteCorpusSource).then((corpus) => {
    const data = encodeCorpus(corpus);
    const preset = charGptPreset("small");
    const config = charGptConfigFor(data.vocab, preset.model, { seed: 1 });
    const training = preset.training;
    const tc = charGptTrainConfig(training);
    return {
      data,
      config,
      training,
      task: charGptTask(data, config, training),
      optimizer: tc.optimizer,
      lrAt: (s) => scheduledLr(training.lr, tc.schedule, s),
      batchAt: (s) => {
        const b = trainingBatch(data.train, training.batch, config.context, training.dataSeed, s);
        return { ids: Int32Array.from(b.inputs), targets: Int32Array.from(b.targets) };
      },
      tokensPerStep: training.batch * config.context,
    };
  });
  return loaded;
}

/** Our char-gpt on one backend, as the Trainer steps it (without its readbacks). */
async function oursCharGpt(be: Backend): Promise<Stepper> {
  const b = await charGptBench();
  return stepper(be, b.task, b.optimizer, b.lrAt);
}

export function charGptGroup(ctx: BenchContext, plan: CharGptPlan): Group {
  const c = CHAR_GPT_CASE;
  const n = plan.checkSteps;
  const runners: RunnerSpec[] = [
    stepRunner(ctx, "ours-webgpu", c, () => ctx.gpu({}), "gpu", oursCharGpt, 1, n),
    stepRunner(
      ctx,
      "ours-wasm-1",
      c,
      () => wasmOf(ctx, "one"),
      (be) => be.sync(),
      oursCharGpt,
      1,
      n,
    ),
    stepRunner(
      ctx,
      "ours-wasm",
      c,
      () => wasmOf(ctx, "all"),
      (be) => be.sync(),
      oursCharGpt,
      1,
      n,
    ),
    // The CPU backend as `npm run train -- char-gpt --backend cpu` runs it (its fastest variants).
    stepRunner(ctx, "ours-cpu", c, () => new CpuBackend(), "none", oursCharGpt, 1, n),
    ...(["webgpu", "cpu", "wasm"] as const).map((be) =>
      tfStepRunner(ctx, c, be, async () => tfCharGpt(await charGptBench(), ctx.cpu, be), 1, n),
    ),
    torchRunner(c, "one", n),
    torchRunner(c, "all", n),
  ];
  return {
    shape: "1 step",
    gflop: null,
    tokensPerStep: SMALL.training.batch * SMALL.model.context,
    ...plan.budget,
    expected: async () => {
      const t = await oursCharGpt(ctx.cpu);
      try {
        return {
          values: [await firstLosses(t, n)],
          // Step 0 is the same arithmetic in another order (f32 rounding over sums of 64-512 terms, ~1e-6
          // relative); steps 1 and 2 follow AdamW updates at the warmup's small rates (1e-5, 2e-5), which move
          // every weight by about ±lr whatever its gradient's size, so a gradient entry that is ~0 with noise of
          // either sign moves differently on different implementations; at these rates that changes a loss of
          // ~4.4 nats far less than 1e-4 relative. Seen: at most 9.5e-7 (2e-7 relative), on every implementation.
          tol: [{ atol: 1e-5, rtol: 1e-4 }],
        };
      } finally {
        t.dispose();
      }
    },
    runners,
  };
}
