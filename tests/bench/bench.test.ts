// Smoke tests of `npm run bench`: a --quick run of two cases (matmul and softmax, every implementation) in
// headless Chromium, checking the JSON report's shape and that every implementation produced finite times; a
// --quick run of the language model's training step (two checked steps, one or two timed), checking that every
// implementation (ours, tfjs on each backend, PyTorch) ran and that its first losses agreed with our CPU reference
// within the stated tolerance; and of `npm run bench:pages` (bench/page-latency.ts): one measurement of the grain
// page on the CPU and wasm backends on the dev server, checking its report and the order of the moments it
// measured (status line, job built, first loss, drawn). No speed is asserted: this machine's "GPU" is a software
// rasteriser shared with other processes.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, test } from "vitest";
import { type BenchReport, CHAR_GPT_CASE, IMPLS, KERNEL_IMPLS } from "../../bench/lib/types";

const ROOT = resolve(import.meta.dirname, "../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const run = promisify(execFile);

async function cli(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [script, ...args], {
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

const bench = (args: string[]) => cli("bench/run.ts", args);
const benchPages = (args: string[]) => cli("bench/page-latency.ts", args);

describe("bench CLI", () => {
  test("a bad flag is refused with the list of valid flags", async () => {
    const r = await bench(["--fast"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown argument '--fast'");
    for (const flag of ["--quick", "--filter", "--json", "--help"]) expect(r.stderr).toContain(flag);
  });

  describe("--quick on matmul and softmax", () => {
    let report: BenchReport;
    let out: { code: number; stdout: string; stderr: string };

    beforeAll(async () => {
      const file = join(mkdtempSync(join(tmpdir(), "bench-")), "report.json");
      out = await bench(["--quick", "--filter", "matmul/,softmax/", "--json", file]);
      if (out.code !== 0) throw new Error(`bench exited ${out.code}:\n${out.stdout}\n${out.stderr}`);
      report = JSON.parse(readFileSync(file, "utf8")) as BenchReport;
    }, 600_000);

    test("the report names the adapter, Chromium, flags and cores", () => {
      expect(typeof report.adapter.vendor).toBe("string");
      expect(typeof report.adapter.architecture).toBe("string");
      expect(report.chromium).toMatch(/Chrome\/\d+/);
      expect(report.flags).toContain("--enable-unsafe-webgpu");
      expect(report.cores).toBeGreaterThan(0);
      expect(out.stdout).toContain("Targets");
    });

    test("every result has the documented fields", () => {
      expect(report.results.length).toBeGreaterThan(0);
      for (const r of report.results) {
        expect(Object.keys(r)).toEqual(
          expect.arrayContaining(["case", "shape", "impl", "medianMs", "minMs", "maxMs", "reps", "gflops"]),
        );
        expect(IMPLS).toContain(r.impl);
        expect(r.case).toMatch(/^(matmul|softmax)\//);
        expect(r.reps).toBeGreaterThanOrEqual(1);
        expect(r.gflops === null || Number.isFinite(r.gflops)).toBe(true);
      }
    });

    test("the report has what the cores gave together, and the every-core verdict shows it", () => {
      const c = report.coresTogether;
      if (!c || "error" in c) throw new Error(`cores together not measured: ${JSON.stringify(c)}`);
      expect(c.workers).toBe(report.wasm?.threads);
      expect(c.shape).toBe("128x128x128");
      expect(c.ratios).toHaveLength(c.rounds);
      for (const r of [...c.ratios, c.aloneGflops, c.togetherGflops])
        expect(Number.isFinite(r) && r > 0).toBe(true);
      // Two rounds: the median is their mean.
      expect(c.ratio).toBeCloseTo((c.ratios[0]! + c.ratios[1]!) / 2, 12);
      const verdict = out.stdout
        .split("\n")
        .findIndex((l) => l.includes("every core >= 1.7x our one thread"));
      expect(verdict).toBeGreaterThanOrEqual(0);
      const block = out.stdout
        .split("\n")
        .slice(verdict + 1, verdict + 12)
        .join("\n");
      expect(block).toContain(`cores together: ${c.workers} one-thread wasm matmuls 128x128x128 at once`);
    });

    test("every implementation produced finite times and passed its check", () => {
      for (const impl of KERNEL_IMPLS) {
        const mine = report.results.filter((r) => r.impl === impl);
        expect(mine.length, `${impl} has results`).toBeGreaterThan(0);
        for (const r of mine) {
          for (const t of [r.minMs, r.medianMs, r.maxMs]) expect(Number.isFinite(t) && t >= 0).toBe(true);
          expect(r.minMs).toBeLessThanOrEqual(r.medianMs);
          expect(r.medianMs).toBeLessThanOrEqual(r.maxMs);
        }
      }
      expect(report.skipped.filter((s) => s.failed)).toEqual([]);
    });
  });

  describe("--quick on the language model's training step", () => {
    let report: BenchReport;
    let out: { code: number; stdout: string; stderr: string };

    beforeAll(async () => {
      const file = join(mkdtempSync(join(tmpdir(), "bench-")), "report.json");
      out = await bench(["--quick", "--filter", "train/char-gpt", "--json", file]);
      if (out.code !== 0) throw new Error(`bench exited ${out.code}:\n${out.stdout}\n${out.stderr}`);
      report = JSON.parse(readFileSync(file, "utf8")) as BenchReport;
    }, 900_000);

    test("every implementation ran, PyTorch included, and its first losses matched the reference", () => {
      expect(report.skipped).toEqual([]);
      const rows = report.results.filter((r) => r.case === CHAR_GPT_CASE);
      expect(rows.map((r) => r.impl).sort()).toEqual([...IMPLS].sort());
      for (const r of rows) {
        expect(r.shape).toBe("1 step");
        // The tolerance stated in bench/cases/char-gpt.ts, on losses of about ln(81) = 4.39 nats.
        expect(r.check).toMatchObject({ atol: 1e-5, rtol: 1e-4 });
        expect(r.check.maxAbsErr).toBeLessThanOrEqual(1e-5 + 1e-4 * 4.5);
        expect([1, 2]).toContain(r.reps);
        for (const t of [r.minMs, r.medianMs, r.maxMs]) expect(Number.isFinite(t) && t > 0).toBe(true);
        // 12 sequences of 64 characters per step.
        expect(r.tokensPerSecond).toBeCloseTo((12 * 64 * 1000) / r.medianMs, 6);
      }
    });

    test("the report names PyTorch's version, threads and BLAS; the output compares ours with every other", () => {
      expect(report.torch).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+/) });
      expect(report.torch && "threads" in report.torch && report.torch.threads).toBeGreaterThan(0);
      expect(out.stdout).toMatch(/pytorch: \d+\.\d+.*intra-op thread/);
      const line = out.stdout.split("\n").find((l) => l.trim().startsWith("ours-wasm:"));
      expect(line).toBeDefined();
      for (const other of ["tfjs-webgpu", "tfjs-cpu", "tfjs-wasm", "torch-cpu"])
        expect(line).toContain(other);
    });
  });
});

interface Stats {
  medianMs: number;
  minMs: number;
  maxMs: number;
}

describe("bench:pages CLI", () => {
  test("a bad flag or value is refused with the valid ones", async () => {
    const r = await benchPages(["--backends", "cpu,gpu"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--backends: unknown 'gpu'; valid: cpu, wasm, webgpu");
    const q = await benchPages(["--repeats", "0"]);
    expect(q.code).toBe(2);
    expect(q.stderr).toContain("--repeats: a whole number from 1 to 100");
  });

  test("one measurement of the grain page on cpu and wasm: the report and the order of its moments", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "bench-pages-")), "report.json");
    const out = await benchPages([
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
