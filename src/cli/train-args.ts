// The command line of `npm run train`: parsed into options or into a message that names what is wrong and lists
// what is valid. No process.exit here, so the tests can feed it good and bad input.

import { DEFAULT_LIMITS } from "../io/settings";
import { archRefusal, MODEL_NAMES, MODELS, type ModelName } from "../models/registry";

export type BackendFlag = "auto" | "webgpu" | "wasm" | "cpu";

export interface TrainArgs {
  model: ModelName;
  backend: BackendFlag;
  steps?: number;
  seed?: number;
  seeds?: number;
  lr?: number;
  /** The architecture (registry ArchSpec sizes), checked against the model's spec. */
  arch?: number[];
  json?: string;
  save?: string;
  load?: string;
  export?: string;
  /** char-gpt only. */
  dataset?: "moby-dick" | "names";
  preset?: "small" | "tiny";
  batch?: number;
  context?: number;
  /** Where the WebGPU run's last checkpoint is kept (default: beside --save). */
  checkpoint?: string;
  checkpointEvery?: number;
}

export type ParseResult =
  | { kind: "ok"; args: TrainArgs }
  | { kind: "help" }
  | { kind: "error"; message: string };

const BACKENDS: readonly BackendFlag[] = ["auto", "webgpu", "wasm", "cpu"];
const DATASETS = ["moby-dick", "names"] as const;
const PRESETS = ["small", "tiny"] as const;
/** The flags only the character-level GPT takes. */
const CHAR_GPT_FLAGS = ["--dataset", "--preset", "--batch", "--context"];
/** Steps between the WebGPU run's checkpoints without --checkpoint-every. */
export const DEFAULT_CHECKPOINT_EVERY = 500;
/** Largest context of the character-level GPT: the positions it learns (its page and CLI alike). */
export const MAX_CONTEXT = 1024;

/** Upper bounds as the pages' panel has them (io/settings.ts): a slip of the keyboard must not run for days. */
const INTEGER_FLAGS = {
  // 0 steps only evaluates (e.g. loaded weights).
  "--steps": [0, DEFAULT_LIMITS.steps[1]],
  "--seed": [0, DEFAULT_LIMITS.seed[1]],
  "--seeds": [1, DEFAULT_LIMITS.seeds[1]],
  "--batch": [1, DEFAULT_LIMITS.batch[1]],
  "--context": [1, MAX_CONTEXT],
  "--checkpoint-every": [1, DEFAULT_LIMITS.steps[1]],
} as const;

export const FLAGS = [
  "--backend auto|webgpu|wasm|cpu",
  "--steps N",
  "--seed S",
  "--seeds K",
  "--lr X",
  "--arch SIZES",
  "--json FILE",
  "--save FILE",
  "--load FILE",
  "--export FILE",
  "--dataset moby-dick|names",
  "--preset small|tiny",
  "--batch N",
  "--context N",
  "--checkpoint FILE",
  "--checkpoint-every N",
  "--help",
];

export function usage(): string {
  const width = Math.max(...MODEL_NAMES.map((n) => n.length));
  const models = MODEL_NAMES.map((n) => {
    const e = MODELS[n];
    const t = e.train;
    return `  ${n.padEnd(width)}  ${e.description} (${e.params} parameters; ${t.steps} steps at lr ${t.optimizer.lr}${e.batchable ? "" : "; seeds not batched"})`;
  });
  const editable = MODEL_NAMES.filter((n) => MODELS[n].arch).map((n) => {
    const a = MODELS[n].arch!;
    return `                ${n.padEnd(width)}  ${a.label} (default ${a.defaults.join(",")}: ${a.describe(a.defaults)})`;
  });
  return `Usage: npm run train -- MODEL [--backend auto|webgpu|wasm|cpu] [--steps N] [--seed S] [--seeds K] [--lr X]
                          [--arch SIZES] [--json FILE] [--save FILE] [--load FILE] [--export FILE]
                          [--checkpoint FILE] [--checkpoint-every N]
       npm run train -- char-gpt [--dataset moby-dick|names] [--preset small|tiny] [--batch N] [--context N]
                          [--backend B] [--steps N] [--seed S] [--lr X] [--json FILE] [--save FILE] [--load FILE]
                          [--export FILE] [--checkpoint FILE] [--checkpoint-every N]

Trains one model of the workbench and prints its progress and a summary.

  --backend B   auto (default): the first run of a model times a few steps on webgpu (headless Chromium)
                and on wasm (Node), takes the faster and remembers it in
                node_modules/.cache/webgpu-workbench/auto-backend.json ($WORKBENCH_AUTO_CACHE overrides);
                webgpu: headless Chromium, an error if it has no adapter; wasm: WebAssembly SIMD on every core
                in Node (the CPU if the module cannot run); cpu: the CPU backend (JavaScript) in Node
  --steps N     training steps (default: the model's, below); 0 only evaluates (e.g. loaded weights)
  --seed S      base seed of the data and of the first run's weights (default 1)
  --seeds K     train seeds S..S+K-1 at once (batched where the model allows) and report the best (default 1)
  --lr X        learning rate (default: the model's); the model's schedule, if any, is stretched to N steps
                (with --load of a file saved at step k, to k + N steps, entered at step k, and the batches go on
                from step k too: a run resumed from a checkpoint with the rest of its steps takes the rates and
                batches it would have taken; char-gpt too)
  --arch SIZES  the architecture, numbers separated by commas, within the limits its page has (a refusal names
                the rule): \`--arch 16,2,1\` for the transformer (width 16, 2 heads, 1 layer; the heads must divide
                the width), \`--arch 5,3\` for relu2 (ReLU 2→5→3→1), \`--arch 8\` for an attention mixture (8 experts).
                Default: the --load file's, else the model's; --load of a file of another architecture is refused.
                The --save file records it as the model's page does (the page and \`npm run export\` read it).
                The models whose architecture may change:
${editable.join("\n")}
  --json FILE   write the result as JSON (with the architecture, \`arch\`, and its parameter count, \`params\`)
  --save FILE   write the trained weights (the workbench pages' weights file format)
  --load FILE   start from weights saved by --save or by the model's page (same model and --seeds), or from a
                .safetensors file (--export, or PyTorch's; one seed: --seeds 1)
  --export FILE write the best seed as safetensors for PyTorch (src/torch/continue_training.py continues it)
  --dataset D   char-gpt: the text, moby-dick (default) or names
  --preset P    char-gpt: small (nanoGPT's CPU run; default on moby-dick) or tiny (default on names)
  --batch N     char-gpt: windows per step (default: the preset's); at most ${DEFAULT_LIMITS.batch[1]}
  --context N   char-gpt: characters per window (default: the preset's); at most ${MAX_CONTEXT}
                (char-gpt's --save and --load use its own weights file, which \`npm run sample\` reads; its --load
                also takes a .safetensors file, and the loaded file's corpus and shape are the default --dataset
                and --preset; its --export file carries its vocabulary and a sample of the training text)
  --checkpoint FILE  on webgpu (every model, char-gpt too; the cpu and wasm runs keep none), keep the run's
                last checkpoint there (the model's weights file, char-gpt's its own, rewritten whole at every
                checkpoint; default: NAME.checkpoint.json beside --save NAME.json, else none); a lost device resumes
                in the page from the last checkpoint; if the page dies the run says where it is: resume with
                --load FILE and the remaining --steps (the optimizer starts fresh; the schedule goes on from the
                file's step)
  --checkpoint-every N  steps between checkpoints on webgpu (default ${DEFAULT_CHECKPOINT_EVERY})
  --help        this text

The WebGPU run waits at most $WORKBENCH_PAGE_DEADLINE_S seconds (default 120) for the page to make progress;
a stalled GPU or a dead renderer ends the run with one line naming it and the last checkpoint.

Models:
${models.join("\n")}`;
}

const int = (text: string) => (/^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN);

export function parseTrainArgs(argv: readonly string[]): ParseResult {
  const err = (message: string): ParseResult => ({ kind: "error", message });
  let model: string | undefined;
  const out: Partial<TrainArgs> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    if (!arg.startsWith("-")) {
      if (model !== undefined) return err(`one model only: got '${model}' and '${arg}'`);
      model = arg;
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!FLAGS.some((f) => f.split(" ")[0] === name) || name === "--help")
      return err(`unknown flag '${arg}'`);
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      // "--lr -1" is a value (and refused below); "--steps --seed 2" is a missing value.
      if (value === undefined || value.startsWith("--")) return err(`${name} needs a value`);
      i++;
    }
    if (value === "") return err(`${name} needs a value`);
    switch (name) {
      case "--backend":
        if (!BACKENDS.includes(value as BackendFlag))
          return err(`unknown backend '${value}': expected one of ${BACKENDS.join(", ")}`);
        out.backend = value as BackendFlag;
        break;
      case "--steps":
      case "--seed":
      case "--seeds":
      case "--batch":
      case "--context":
      case "--checkpoint-every": {
        const [lo, hi] = INTEGER_FLAGS[name];
        const v = int(value);
        if (!(Number.isInteger(v) && v >= lo && v <= hi))
          return err(`${name} must be an integer in [${lo}, ${hi}], got '${value}'`);
        if (name === "--checkpoint-every") out.checkpointEvery = v;
        else out[name.slice(2) as "steps" | "seed" | "seeds" | "batch" | "context"] = v;
        break;
      }
      case "--dataset":
        if (!(DATASETS as readonly string[]).includes(value))
          return err(`unknown dataset '${value}': expected one of ${DATASETS.join(", ")}`);
        out.dataset = value as TrainArgs["dataset"];
        break;
      case "--preset":
        if (!(PRESETS as readonly string[]).includes(value))
          return err(`unknown preset '${value}': expected one of ${PRESETS.join(", ")}`);
        out.preset = value as TrainArgs["preset"];
        break;
      case "--lr": {
        const lr = /^[-+0-9.eE]+$/.test(value) ? Number(value) : Number.NaN;
        // Above the panel's bound every model here diverges at once; 0 or less would not train.
        const maxLr = DEFAULT_LIMITS.lr[1];
        if (!(Number.isFinite(lr) && lr > 0 && lr <= maxLr))
          return err(`--lr must be a number in (0, ${maxLr}], got '${value}'`);
        out.lr = lr;
        break;
      }
      case "--arch": {
        const parts = value.split(/[\s,]+/).filter(Boolean);
        if (parts.length === 0 || !parts.every((p) => /^-?\d+(\.\d+)?$/.test(p)))
          return err(`--arch takes numbers separated by commas (e.g. 16,2,1), got '${value}'`);
        out.arch = parts.map(Number);
        break;
      }
      default:
        out[name.slice(2) as "json" | "save" | "load" | "export" | "checkpoint"] = value;
    }
  }
  if (model === undefined) return err("no model given");
  if (!(MODEL_NAMES as readonly string[]).includes(model)) return err(`unknown model '${model}'`);
  if (out.arch) {
    const why = archRefusal(model, out.arch);
    if (why) return err(`--arch ${out.arch.join(",")}: ${why}`);
  }
  if (model !== "char-gpt") {
    const given = CHAR_GPT_FLAGS.find((f) => out[f.slice(2) as keyof TrainArgs] !== undefined);
    if (given) return err(`${given} applies to char-gpt only`);
  } else {
    if ((out.seeds ?? 1) !== 1) return err("char-gpt trains one seed per run: --seeds must be 1");
  }
  return { kind: "ok", args: { backend: "auto", ...out, model: model as ModelName } };
}

/** What a usage error prints after its message: the valid models and flags. */
export function validChoices(): string {
  return `Valid models: ${MODEL_NAMES.join(", ")}\nValid flags: ${FLAGS.join(", ")} (see --help)`;
}
