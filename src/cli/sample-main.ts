// `npm run sample -- --load FILE [--prompt TEXT] [--tokens N] [--temperature T] [--top-k K] [--seed S]`: text
// written by a saved character-level GPT (a weights file of `npm run train -- char-gpt --save`, or of the lm page),
// on the CPU backend. An empty prompt starts from the boundary (a newline); a prompt with characters outside the
// file's vocabulary is refused, naming them. Exit 0 on success, 1 when the file cannot be used, 2 on bad flags.

import { readFileSync } from "node:fs";
import { Context } from "../autograd/variable";
import { CpuBackend } from "../backend/cpu";
import { showChar } from "../data/text/vocab";
import { sampleCharGpt } from "../models/char-gpt-sample";
import { loadCharGpt } from "../models/char-gpt-weights";

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface SampleArgs {
  load: string;
  prompt: string;
  tokens: number;
  temperature: number;
  topK?: number;
  seed: number;
}

const USAGE = `Usage: npm run sample -- --load FILE [--prompt TEXT] [--tokens N] [--temperature T] [--top-k K] [--seed S]

Writes text with a character-level GPT saved by \`npm run train -- char-gpt --save FILE\` (or the lm page).

  --load FILE       the weights file (required)
  --prompt TEXT     text to continue (default: none, the sample starts from a newline); every character must be
                    in the file's vocabulary
  --tokens N        characters to write (default 200, at most 100000)
  --temperature T   divides the logits (default 1; 0 picks the most likely character)
  --top-k K         sample among the K most likely characters only (default: all)
  --seed S          seed of the sampler (default 1)`;

const FLAGS = ["--load", "--prompt", "--tokens", "--temperature", "--top-k", "--seed"];

export type SampleParse =
  | { kind: "ok"; args: SampleArgs }
  | { kind: "help" }
  | { kind: "error"; message: string };

export function parseSampleArgs(argv: readonly string[]): SampleParse {
  const err = (message: string): SampleParse => ({ kind: "error", message });
  const got: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") return { kind: "help" };
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (!FLAGS.includes(name)) return err(`unknown argument '${a}' (flags: ${FLAGS.join(", ")})`);
    let value: string | undefined;
    if (eq > 0) value = a.slice(eq + 1);
    else {
      value = argv[i + 1];
      // The prompt may be empty or start with "-"; other flags need a value that is not a flag.
      if (value === undefined || (name !== "--prompt" && value.startsWith("--")))
        return err(`${name} needs a value`);
      i++;
    }
    got[name] = value;
  }
  if (!got["--load"]) return err("--load FILE is required");
  const int = (name: string, fallback: number, lo: number, hi: number): number | string => {
    const t = got[name];
    if (t === undefined) return fallback;
    const v = /^\d+$/.test(t) ? Number(t) : Number.NaN;
    return Number.isInteger(v) && v >= lo && v <= hi
      ? v
      : `${name} must be an integer in [${lo}, ${hi}], got '${t}'`;
  };
  const tokens = int("--tokens", 200, 0, 100_000);
  const seed = int("--seed", 1, 0, 2 ** 31 - 1);
  const topK = got["--top-k"] === undefined ? undefined : int("--top-k", 0, 1, 1_000_000);
  for (const v of [tokens, seed, topK]) if (typeof v === "string") return err(v);
  const tText = got["--temperature"];
  const temperature = tText === undefined ? 1 : /^[0-9.eE+-]+$/.test(tText) ? Number(tText) : Number.NaN;
  if (!(Number.isFinite(temperature) && temperature >= 0))
    return err(`--temperature must be a number >= 0, got '${tText}'`);
  return {
    kind: "ok",
    args: {
      load: got["--load"],
      prompt: got["--prompt"] ?? "",
      tokens: tokens as number,
      temperature,
      ...(topK !== undefined ? { topK: topK as number } : {}),
      seed: seed as number,
    },
  };
}

export async function sampleMain(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseSampleArgs(argv);
  if (parsed.kind === "help") {
    io.out(USAGE);
    return 0;
  }
  if (parsed.kind === "error") {
    io.err(`sample: ${parsed.message}\n${USAGE}`);
    return 2;
  }
  const a = parsed.args;
  let file: unknown;
  try {
    file = JSON.parse(readFileSync(a.load, "utf8"));
  } catch (e) {
    io.err(`sample: cannot read --load ${a.load}: ${(e as Error).message}`);
    return 1;
  }
  try {
    const { model, vocab, weights } = loadCharGpt(new Context(new CpuBackend()), file);
    const unknown = vocab.unknown(a.prompt);
    if (unknown.length) {
      io.err(
        `sample: the prompt has ${unknown.length} character${unknown.length > 1 ? "s" : ""} outside the vocabulary of ` +
          `${a.load} (${weights.dataset}): ${unknown.map((c) => `'${showChar(c)}'`).join(", ")}; nothing was sampled`,
      );
      return 2;
    }
    const text = await sampleCharGpt(model, vocab, {
      prompt: a.prompt,
      tokens: a.tokens,
      temperature: a.temperature,
      ...(a.topK !== undefined ? { topK: a.topK } : {}),
      seed: a.seed,
    });
    io.err(
      `sample: ${a.load} (${weights.dataset}, step ${weights.step}, ${weights.config.layers} layers, width ` +
        `${weights.config.width}), ${a.tokens} characters, temperature ${a.temperature}` +
        `${a.topK !== undefined ? `, top-k ${a.topK}` : ""}, seed ${a.seed}${a.prompt ? "" : ", no prompt: from a newline"}`,
    );
    io.out(a.prompt + text);
    return 0;
  } catch (e) {
    io.err(`sample: ${(e as Error).message}`);
    return 1;
  }
}
