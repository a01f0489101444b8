// Character-level GPT on the CPU backend in Node: the time of one training step of a preset (forward, backward,
// AdamW; after warm-up steps, several repeats; wall clock and this process's CPU time, which is the steadier of
// the two on a shared machine) for each CPU configuration asked for, side by side in one run, the parameter
// count, and optionally a whole training run with its validation loss against the bigram baseline.
//   npx tsx bench/char-gpt-cpu.ts [--preset small|tiny] [--dataset moby-dick|names] [--repeats N] [--run]
//     [--configs fastest,reference,ikj4] [--layers N --heads N --width N --context N --batch N --steps N --lr X
//     --warmup N]
// Configurations: fastest (the default CpuBackend), reference (CpuBackend.reference()), ikj4 (the fast matmul
// with the reference attention).

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
const CONFIGS: Record<string, () => CpuBackend> = {
  fastest: () => new CpuBackend(),
  reference: () => CpuBackend.reference(),
  ikj4: () => new CpuBackend({ variants: { matmul: "ikj4", attention: "reference" } }),
};
const configs = arg("configs", "fastest").split(",");
for (const c of configs)
  if (!CONFIGS[c]) throw new Error(`unknown config '${c}': ${Object.keys(CONFIGS).join(", ")}`);
const data = encodeCorpus(await loadCorpus(dataset, nodeCorpusSource));
const config = charGptConfigFor(data.vocab, preset.model);
console.log(
  `char-gpt ${presetName} on ${dataset}: ${JSON.stringify(preset.model)}, batch ${preset.training.batch}`,
);
console.log(`node ${process.version}; ${cpus().length} x ${cpus()[0]?.model ?? "?"}`);
console.log(`parameters: ${charGptParamCount(config)} (vocabulary ${data.vocab.size})`);
console.log(
  `baselines (val, nats/char): unigram ${data.baselines.unigram.toFixed(4)}, bigram ${data.baselines.bigram.toFixed(4)}`,
);

if (process.argv.includes("--run")) {
  const be = CONFIGS[configs[0]!]!();
  console.log(`backend: ${be.description}`);
  const trainer = new Trainer(
    be,
    charGptTask(data, config, preset.training),
    charGptTrainConfig(preset.training, 50),
  );
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await trainer.run({
    onStep: (r) => r.step % 100 === 0 && console.log(`step ${r.step}: loss ${r.loss.toFixed(4)}`),
  });
  const secs = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const cpuSecs = (cu.user + cu.system) / 1e6;
  const val = await evaluateCharGpt(
    trainer.model,
    charGptValidationBatches(data, config.context, preset.training.batch, 16),
  );
  console.log(
    `run: ${preset.training.steps} steps in ${secs.toFixed(1)} s (cpu ${cpuSecs.toFixed(1)} s); val ${val.toFixed(4)} nats/char (bigram ${data.baselines.bigram.toFixed(4)})`,
  );
} else {
  // Time single steps: a Trainer per configuration advanced one step at a time (config.steps raised by one per
  // repeat), the configurations interleaved so that load on the machine falls on all of them alike.
  const tc = charGptTrainConfig(preset.training, 1);
  const runs = configs.map((name) => {
    const be = CONFIGS[name]!();
    const trainer = new Trainer(be, charGptTask(data, config, preset.training), {
      ...tc,
      checkpointEvery: 1_000_000,
    });
    return { name, be, trainer, wall: [] as number[], cpu: [] as number[] };
  });
  for (let i = 0; i < repeats + 2; i++) {
    for (const r of runs) {
      r.trainer.config.steps = i + 1;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await r.trainer.run();
      const c = process.cpuUsage(c0);
      if (i < 2) continue; // the first two steps warm up the JIT
      r.wall.push(performance.now() - t0);
      r.cpu.push((c.user + c.system) / 1000);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const tokens = preset.training.batch * config.context;
  const base = median(runs[0]!.cpu);
  for (const r of runs) {
    const cpu = median(r.cpu);
    console.log(
      `${r.name} (${r.be.description}): step ms, median of ${repeats} after 2 warm-up: wall ${median(r.wall).toFixed(0)}, cpu ${cpu.toFixed(0)}; tokens/s by cpu time ${((tokens * 1000) / cpu).toFixed(0)}; cpu time / ${runs[0]!.name}'s ${(cpu / base).toFixed(2)}`,
    );
  }
}
