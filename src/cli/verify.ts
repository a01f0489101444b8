// `npm run verify`: every kernel variant on this machine's WebGPU adapter (headless Chromium) against the CPU
// reference, printed as a table. Exit 0 when every case passed, 1 when one failed or none ran, 2 on bad flags.
//
// This runs under tsx, which cannot load the `?raw` WGSL imports: only modules free of shader imports may be
// imported here (type imports are erased, so they are fine). The kernels run inside the page.

import { resolve } from "node:path";
import { runVerifyPage } from "../../tests/headless/verify-page";
import { printable } from "../util/printable";
import type { VerifyReport, VerifyResult } from "../verify/run";
import { errorText, prepareOutput, writeFileAtomic } from "./safe-files";

const USAGE = `Usage: npm run verify -- [--filter TEXT] [--json FILE]

Runs every WGSL kernel variant in headless Chromium and compares it with the CPU reference.

  --filter TEXT  only the cases whose id (kernel/variant/case) contains TEXT
  --json FILE    also write the report as JSON to FILE (non-finite numbers as the strings
                 "Infinity", "-Infinity" or "NaN")
  --help         this text`;

const FLAGS = ["--filter TEXT", "--json FILE", "--help"];

interface Options {
  filter: string;
  json: string | null;
}

function usageError(message: string): never {
  console.error(`verify: ${message}\nValid flags: ${FLAGS.join(", ")} (see --help)`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { filter: "", json: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (name !== "--filter" && name !== "--json") usageError(`unknown argument '${arg}'`);
    let value: string | undefined;
    if (eq > 0 && arg.startsWith("--")) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith("--"))) usageError(`${name} needs a value`);
    if (name === "--filter") opts.filter = value;
    else if (value === "") usageError("--json needs a file name");
    else opts.json = value;
  }
  return opts;
}

function num(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : String(x);
}

function caseName(r: VerifyResult): string {
  return r.id.split("/").slice(2).join("/");
}

function table(results: readonly VerifyResult[]): string {
  const head = ["kernel", "variant", "case", "shape", "maxAbsErr", "maxRelErr", "atol", "rtol", "pass"];
  const right = new Set([4, 5, 6, 7]);
  const rows = results.map((r) => [
    r.kernel,
    r.variant,
    caseName(r),
    r.shape,
    num(r.maxAbsErr),
    num(r.maxRelErr),
    num(r.atol),
    num(r.rtol),
    r.pass ? "pass" : "FAIL",
  ]);
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((s, c) => (right.has(c) ? s.padStart(width[c]!) : s.padEnd(width[c]!)))
      .join("  ")
      .trimEnd();
  return [line(head), line(width.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** JSON cannot hold Infinity or NaN: they are written as the strings "Infinity", "-Infinity", "NaN". */
function toJson(report: VerifyReport, chromium: string): string {
  const { vendor, architecture, description } = report.adapter;
  const results = report.results.map((r) => ({ ...r, case: caseName(r) }));
  return JSON.stringify(
    { adapter: { vendor, architecture, description }, chromium, results },
    (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v),
    2,
  );
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.json) {
    try {
      prepareOutput(opts.json, "--json");
    } catch (e) {
      console.error(`verify: ${errorText(e)}`);
      return 2;
    }
  }
  const t0 = Date.now();
  const seconds = () => `${Math.round((Date.now() - t0) / 1000)}s`;
  console.error("verify: starting Vite and headless Chromium...");
  let lastLine = Date.now();
  const progress = (done: number, total: number) => {
    if (Date.now() - lastLine < 3000) return;
    lastLine = Date.now();
    console.error(`verify: ${done}/${total} cases done (${seconds()})`);
  };

  let session: Awaited<ReturnType<typeof runVerifyPage>>["session"] | undefined;
  try {
    const run = await runVerifyPage(opts.filter, progress);
    session = run.session;
    const { report } = run;
    const chromium = await session.browser.version();
    const a = report.adapter;
    console.log(
      `adapter: vendor=${a.vendor || "?"} architecture=${a.architecture || "?"} description=${a.description || "?"}`,
    );
    console.log(`chromium: ${chromium}`);
    if (session.errors.length) console.log(`page errors:\n  ${session.errors.join("\n  ")}`);
    console.log("");
    const results = report.results;
    if (results.length) console.log(table(results));
    const failed = results.filter((r) => !r.pass);
    for (const r of failed) {
      // Compiler messages span lines: indent them under their case, without the blank ones.
      const detail = (r.detail ?? "no detail").split("\n").filter((l) => l.trim() !== "");
      console.log(`FAIL ${r.id} (${r.shape}): ${detail.join("\n    ")}`);
    }
    let writeFailed = false;
    if (!results.length) {
      console.log(
        opts.filter ? `no case id contains '${printable(opts.filter)}'` : "no verification cases found",
      );
      // An empty report would replace a good one: nothing is written.
      if (opts.json) console.error(`verify: --json ${printable(opts.json)} not written: no case ran`);
    } else if (opts.json) {
      try {
        writeFileAtomic(opts.json, `${toJson(report, chromium)}\n`, "--json");
        console.log(`report written to ${printable(resolve(opts.json))}`);
      } catch (e) {
        writeFailed = true;
        console.error(`verify: ${errorText(e)}`);
      }
    }
    console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
    return failed.length === 0 && results.length > 0 && !writeFailed ? 0 : 1;
  } catch (e) {
    console.error(`verify: ${errorText(e)}`);
    return 1;
  } finally {
    await session?.close();
  }
}

process.exitCode = await main();
