// Character-level GPT on the CPU backend in Node: the time of one training step of a preset (forward, backward,
// AdamW; after warm-up steps, several repeats), the parameter count, and optionally a whole training run with its
// validation loss against the bigram baseline.
//   npx tsx bench/char-gpt-cpu.ts [--preset small|tiny] [--dataset moby-dick|names] [--repeats N] [--run]
//     [--fast-matmul] [--layers N --heads N --width N --context N --batch N --steps N --lr X --warmup N]

import { cpus } from "node:os";
import { CpuBackend } from "../src/backend/cpu";
import { type DatasetName, loadCorpus } from "../src/data/text/corpus";
import { nodeCorpusSource } from "../src/data/text/sources-node";
import { charGptParamCount } from "../src/models/char-gpt";
import { type CharGptPresetName, charGptPreset } from "../src/models/char-gpt-presets";
import {
  charGptConfigFor,
  charGptTask,
  charGptTrainConfig,
  charGptValidationBatches,
  encodeCorpus,
  evaluateCharGpt,
} from "../src/models/char-gpt-train";
import { Trainer } from "../src/train/trainer";
import { CpuBackendIkj4 } from "./cases/cpu-ikj4";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const presetName = arg("preset", "small") as CharGptPresetName;
const dataset = arg("dataset", presetName === "tiny" ? "names" : "moby-dick") as DatasetName;
const repeats = Number(arg("repeats", "5"));
const preset = charGptPreset(presetName);
// Overrides of the preset: --layers, --heads, --width, --context, --batch, --steps, --lr, --warmup.
for (const k of ["layers", "heads", "width", "context"] as const)
  preset.model[k] = Number(arg(k, String(preset.model[k])));
for (const k of ["batch", "steps", "lr", "warmup"] as const)
  preset.training[k] = Number(arg(k, String(preset.training[k])));
preset.training.minLr = preset.training.lr / 10;
const fast = process.argv.includes("--fast-matmul");
const data = encodeCorpus(await loadCorpus(dataset, nodeCorpusSource));
const config = charGptConfigFor(data.vocab, preset.model);
const be = fast ? new CpuBackendIkj4() : new CpuBackend();
console.log(
  `char-gpt ${presetName} on ${dataset}: ${JSON.stringify(preset.model)}, batch ${preset.training.batch}`,
);
console.log(
  `backend: ${be.description}; node ${process.version}; ${cpus().length} x ${cpus()[0]?.model ?? "?"}`,
);
console.log(`parameters: ${charGptParamCount(config)} (vocabulary ${data.vocab.size})`);
console.log(
  `baselines (val, nats/char): unigram ${data.baselines.unigram.toFixed(4)}, bigram ${data.baselines.bigram.toFixed(4)}`,
);

if (process.argv.includes("--run")) {
  const trainer = new Trainer(
    be,
    charGptTask(data, config, preset.training),
    charGptTrainConfig(preset.training, 50),
  );
  const t0 = performance.now();
  await trainer.run({
    onStep: (r) => r.step % 100 === 0 && console.log(`step ${r.step}: loss ${r.loss.toFixed(4)}`),
  });
  const secs = (performance.now() - t0) / 1000;
  const val = await evaluateCharGpt(
    trainer.model,
    charGptValidationBatches(data, config.context, preset.training.batch, 16),
  );
  console.log(
    `run: ${preset.training.steps} steps in ${secs.toFixed(1)} s; val ${val.toFixed(4)} nats/char (bigram ${data.baselines.bigram.toFixed(4)})`,
  );
} else {
  // Time single steps: a Trainer advanced one step at a time (config.steps raised by one per repeat).
  const tc = charGptTrainConfig(preset.training, 1);
  const trainer = new Trainer(be, charGptTask(data, config, preset.training), {
    ...tc,
    checkpointEvery: 1_000_000,
  });
  const times: number[] = [];
  for (let i = 0; i < repeats + 2; i++) {
    trainer.config.steps = i + 1;
    const t0 = performance.now();
    await trainer.run();
    const ms = performance.now() - t0;
    if (i >= 2) times.push(ms); // the first two steps warm up the JIT
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const tokens = preset.training.batch * config.context;
  console.log(
    `step ms (${repeats} repeats after 2 warm-up): min ${times[0]!.toFixed(0)}, median ${median.toFixed(0)}, max ${times[times.length - 1]!.toFixed(0)}`,
  );
  console.log(`tokens/s at the median: ${((tokens * 1000) / median).toFixed(0)}`);
}
