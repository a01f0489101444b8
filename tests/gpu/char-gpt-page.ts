// In-browser half of tests/gpu/char-gpt.test.ts: the names corpus through Vite's imports, and the first
// training steps of a small character-level GPT on WebGPU and on the CPU from the same seed and batches.

import type { Backend } from "../../src/backend/contract";
import { CpuBackend } from "../../src/backend/cpu";
import { WebGPUBackend } from "../../src/backend/webgpu";
import { loadCorpus } from "../../src/data/text/corpus";
import { viteCorpusSource } from "../../src/data/text/sources-vite";
import { charGptPreset } from "../../src/models/char-gpt-presets";
import {
  charGptConfigFor,
  charGptTask,
  charGptTrainConfig,
  encodeCorpus,
} from "../../src/models/char-gpt-train";
import { Trainer } from "../../src/train/trainer";

const api = {
  /** Losses of the first `steps` steps of the tiny preset (batch `batch`) on both backends. */
  async parity(steps: number, batch: number) {
    const corpus = await loadCorpus("names", viteCorpusSource);
    const data = encodeCorpus(corpus);
    const preset = charGptPreset("tiny");
    const training = { ...preset.training, batch };
    const config = charGptConfigFor(data.vocab, preset.model);
    const run = async (be: Backend) => {
      const t = new Trainer(be, charGptTask(data, config, training), {
        ...charGptTrainConfig(training, 1),
        steps,
      });
      await t.run();
      return t.history.map((r) => r.loss);
    };
    const gpu = await WebGPUBackend.create();
    return {
      adapter: gpu.description,
      vocab: data.vocab.size,
      valNames: corpus.valNames?.length ?? 0,
      gpu: await run(gpu),
      cpu: await run(new CpuBackend()),
    };
  },
};

declare global {
  interface Window {
    charGptChecks: typeof api;
  }
}
window.charGptChecks = api;
document.body.dataset.ready = "1";
