// `npm run bench`: the benchmark page (bench/index.html) in headless Chromium, served by Vite; prints the
// table and the verdict on each target, optionally writes JSON and a Markdown table. PyTorch's runner reaches its
// process (bench/char_gpt_torch.py) through window.__torch, exposed here (lib/torch-bridge.ts). Exit 0 when every
// implementation that ran passed its check, 1 otherwise (or when nothing ran), 2 on bad flags.
//
// Runs under tsx, which cannot load `?raw` WGSL imports: only shader-free modules are imported here.

import { availableParallelism, cpus } from "node:os";
import { resolve } from "node:path";
import puppeteer, { type Browser } from "puppeteer";
import type { ViteDevServer } from "vite";
import { errorText, prepareOutput, writeFileAtomic } from "../src/cli/safe-files";
import { printable } from "../src/util/printable";
import { CHROMIUM_FLAGS, startServer } from "../tests/headless/browser";
import { findChromium } from "../tests/headless/chromium.mjs";
import { headerLines, markdownReport, textTable, verdicts, verdictText } from "./lib/report";
import { PYTHON, TorchBridge } from "./lib/torch-bridge";
import type { BenchReport, BenchState, TorchRequest } from "./lib/types";

const USAGE = `Usage: npm run bench -- [--quick] [--filter TEXT[,TEXT...]] [--json FILE] [--markdown FILE]

Benchmarks our WebGPU, wasm and CPU kernels against TensorFlow.js (webgpu, cpu, wasm) in one headless Chromium
page: matmul, softmax, attention forward and backward, training steps, and a training step of the language model
(char-gpt small) also against PyTorch on the CPU (${PYTHON}, when it imports torch). Every implementation is
checked against the CPU reference before it is timed.

  --quick            small sizes and 3 repetitions (a smoke test; the language model's step: 1-2)
  --filter TEXT      keep what matches TEXT in "case shape impl" (comma-separated: any of them), e.g.
                     --filter matmul/register,tfjs-webgpu or --filter "1024x1024x1024" or --filter train/
  --json FILE        write the report as JSON
  --markdown FILE    write the table and the target verdicts as Markdown
  --help             this text`;

const FLAGS = ["--quick", "--filter TEXT", "--json FILE", "--markdown FILE", "--help"];

/** Timestamps unquantised (WebGPU developer features), on top of the flags the tests use. */
const BENCH_FLAGS = [...CHROMIUM_FLAGS, "--enable-webgpu-developer-features"];

/** The full run is planned for well under this (about 7 minutes plus 6-7 for the language model's step); past it the CLI gives up. */
const TIMEOUT_MS = 25 * 60_000;

interface Options {
  quick: boolean;
  filter: string;
  json: string | null;
  markdown: string | null;
}

function usageError(message: string): never {
  console.error(`bench: ${message}\nValid flags: ${FLAGS.join(", ")} (see --help)`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { quick: false, filter: "", json: null, markdown: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    }
    if (arg === "--quick") {
      opts.quick = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (name !== "--filter" && name !== "--json" && name !== "--markdown")
      usageError(`unknown argument '${arg}'`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith("--"))) usageError(`${name} needs a value`);
    if (name === "--filter") opts.filter = value;
    else if (value === "") usageError(`${name} needs a file name`);
    else if (name === "--json") opts.json = value;
    else opts.markdown = value;
  }
  return opts;
}

/** Write one report whole (or not at all); false, with the reason printed, when it could not be written. */
function write(file: string, text: string, flag: string): boolean {
  try {
    writeFileAtomic(file, text, flag);
    console.log(`written: ${printable(resolve(file))}`);
    return true;
  } catch (e) {
    console.error(`bench: ${errorText(e)}`);
    return false;
  }
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  try {
    if (opts.json) prepareOutput(opts.json, "--json");
    if (opts.markdown) prepareOutput(opts.markdown, "--markdown");
  } catch (e) {
    console.error(`bench: ${errorText(e)}`);
    return 2;
  }
  const executablePath = findChromium();
  if (!executablePath) {
    console.error("bench: no Chromium found: run `node tests/headless/ensure-deps.mjs` or set CHROMIUM_PATH");
    return 1;
  }
  const t0 = Date.now();
  const elapsed = () => `${Math.round((Date.now() - t0) / 1000)}s`;
  console.error("bench: starting Vite and headless Chromium...");
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  const torch = new TorchBridge();
  try {
    const s = await startServer();
    server = s.server;
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      args: BENCH_FLAGS,
      protocolTimeout: 0,
    });
    const page = await browser.newPage();
    await page.exposeFunction("__torch", (request: TorchRequest) => torch.call(request));
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    // WebGPU validation errors surface only as console messages (tfjs does not check for them).
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warn") errors.push(`${m.type()}: ${m.text()}`);
    });
    const query = new URLSearchParams({ run: "" });
    if (opts.quick) query.set("quick", "");
    if (opts.filter) query.set("filter", opts.filter);
    await page.goto(`${s.baseUrl}/bench/?${query}`, { waitUntil: "load" });
    let printed = 0;
    let state: BenchState | null = null;
    for (;;) {
      state = (await page.evaluate(() => window.__benchmarks ?? null)) as BenchState | null;
      for (const line of state?.log.slice(printed) ?? []) console.error(`bench [${elapsed()}]: ${line}`);
      printed = state?.log.length ?? 0;
      if (state?.state === "done" || state?.state === "error") break;
      if (Date.now() - t0 > TIMEOUT_MS) throw new Error(`no result after ${TIMEOUT_MS / 60000} minutes`);
      await new Promise((r) => setTimeout(r, 500));
    }
    if (state.state === "error" || !state.report)
      throw new Error(`benchmark page: ${state.error ?? "no report"}`);
    const report: BenchReport = {
      ...state.report,
      chromium: await browser.version(),
      flags: BENCH_FLAGS,
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? "",
      torch: torch.info,
    };
    const header = headerLines(report);
    console.log(header.join("\n"));
    if (errors.length) console.log(`page errors:\n  ${errors.join("\n  ")}`);
    console.log("");
    if (report.results.length) console.log(textTable(report.results));
    const vs = verdicts(report);
    console.log(`\nTargets (wall-clock trials of this run, ratios paired by round):\n${verdictText(vs)}`);
    const failed = report.skipped.filter((k) => k.failed);
    const notRun = report.skipped.filter((k) => !k.failed);
    if (notRun.length) {
      console.log(`\nNot run (${notRun.length}):`);
      for (const k of notRun) console.log(`  ${k.case} ${k.shape} ${k.impl}: ${k.reason}`);
    }
    for (const k of failed) console.log(`FAILED CHECK ${k.case} ${k.shape} ${k.impl}: ${k.reason}`);
    let written = true;
    if (report.results.length === 0) {
      if (report.skipped.length === 0)
        console.log(
          opts.filter ? `nothing matches --filter '${printable(opts.filter)}'` : "no benchmark ran",
        );
      // A report without results would replace a good one: nothing is written.
      for (const [flag, file] of [
        ["--json", opts.json],
        ["--markdown", opts.markdown],
      ] as const)
        if (file) console.error(`bench: ${flag} ${printable(file)} not written: no benchmark result`);
    } else {
      if (opts.json) written = write(opts.json, `${JSON.stringify(report, null, 2)}\n`, "--json") && written;
      if (opts.markdown) written = write(opts.markdown, markdownReport(report), "--markdown") && written;
    }
    console.log(
      `\n${report.results.length} results, ${failed.length} failed checks, ${notRun.length} not run (${elapsed()})`,
    );
    return failed.length === 0 && report.results.length > 0 && written ? 0 : 1;
  } catch (e) {
    console.error(`bench: ${errorText(e)}`);
    return 1;
  } finally {
    torch.close();
    await browser?.close();
    await server?.close();
  }
}

process.exitCode = await main();
