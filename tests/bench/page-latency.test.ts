// Smoke test of `npm run bench:pages` (bench/page-latency.ts): one measurement of the grain page on the CPU and
// wasm backends on the dev server, checking the JSON report's shape and the order of the moments it measured
// (status line, job built, first loss, drawn). No speed is asserted.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const run = promisify(execFile);

async function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, ["bench/page-latency.ts", ...args], {
      cwd: ROOT,
      maxBuffer: 16 << 20,
      timeout: 480_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

interface Stats {
  medianMs: number;
  minMs: number;
  maxMs: number;
}

describe("bench:pages CLI", () => {
  test("a bad flag or value is refused with the valid ones", async () => {
    const r = await bench(["--backends", "cpu,gpu"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--backends: unknown 'gpu'; valid: cpu, wasm, webgpu");
    const q = await bench(["--repeats", "0"]);
    expect(q.code).toBe(2);
    expect(q.stderr).toContain("--repeats: a whole number from 1 to 100");
  });

  test("one measurement of the grain page on cpu and wasm: the report and the order of its moments", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "bench-pages-")), "report.json");
    const out = await bench([
      "--dev",
      "--repeats",
      "1",
      "--pages",
      "grain",
      "--backends",
      "cpu,wasm",
      "--json",
      file,
    ]);
    if (out.code !== 0) throw new Error(`bench:pages exited ${out.code}:\n${out.stdout}\n${out.stderr}`);
    const report = JSON.parse(readFileSync(file, "utf8")) as {
      adapter: { architecture: string } | null;
      chromium: string;
      cores: number;
      loadAverage: { start: number; end: number };
      build: string;
      results: {
        page: string;
        backend: string;
        reps: number;
        statusMs: Stats;
        builtMs: Stats;
        firstLossMs: Stats;
        drawnMs: Stats;
        samples: { statusMs: number; builtMs: number; lossMs: number; drawnMs: number; status: string }[];
      }[];
    };
    expect(report.chromium).toMatch(/Chrome\/\d+/);
    expect(report.cores).toBeGreaterThan(0);
    expect(Number.isFinite(report.loadAverage.start)).toBe(true);
    expect(report.build).toBe("dev server");
    expect(report.results.map((r) => `${r.page} ${r.backend}`)).toEqual(["grain cpu", "grain wasm"]);
    expect(out.stdout).toMatch(/status line ms +job built ms +first loss ms +drawn ms/);
    for (const r of report.results) {
      expect(r.reps).toBe(1);
      const [s] = r.samples;
      expect(s!.status).toMatch(new RegExp(`^building 4 seeds of relu2 \\(backend: ${r.backend}\\)`));
      // The status line comes first, then the job, then the first loss, then the point on the chart.
      expect(s!.statusMs).toBeGreaterThanOrEqual(0);
      expect(s!.builtMs).toBeGreaterThanOrEqual(s!.statusMs);
      expect(s!.lossMs).toBeGreaterThanOrEqual(s!.builtMs);
      expect(s!.drawnMs).toBeGreaterThanOrEqual(s!.lossMs);
      expect(r.firstLossMs).toEqual({ medianMs: s!.lossMs, minMs: s!.lossMs, maxMs: s!.lossMs });
    }
  }, 600_000);
});
