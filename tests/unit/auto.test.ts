// `auto` that measures (src/run/auto.ts): the choice from injected timings, the cache (a hit measures nothing),
// and `npm run train -- MODEL --backend auto --json` end to end in Node with no Chromium (so webgpu is reported
// unavailable with why, wasm is timed, and the report carries backend, reason and measured).

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test, vi } from "vitest";
import type { Timing } from "../../src/backend/choice";
import { type Io, trainMain } from "../../src/cli/train-main";
import { type AutoCache, autoChoice, autoKey, memoryCache } from "../../src/run/auto";

const dir = mkdtempSync(join(tmpdir(), "auto-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

function quiet(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe("autoChoice", () => {
  const timings: Timing[] = [
    { backend: "webgpu", msPerStep: 13.1 },
    { backend: "wasm", msPerStep: 0.3 },
  ];

  test("measures once, picks the fastest, remembers it with the figures", async () => {
    const cache = memoryCache("test storage");
    const measure = vi.fn(async () => timings);
    const key = autoKey("experts-attention", 1, "adapter A");
    const first = await autoChoice(key, cache, measure);
    expect(first).toEqual({
      backend: "wasm",
      reason: "auto, measured now (remembered in test storage): webgpu 13 ms/step, wasm 0.30 ms/step: wasm",
      measured: { webgpu: 13.1, wasm: 0.3 },
      cached: false,
    });
    const again = await autoChoice(key, cache, measure);
    expect(measure).toHaveBeenCalledTimes(1);
    expect(again.backend).toBe("wasm");
    expect(again.cached).toBe(true);
    expect(again.measured).toEqual({ webgpu: 13.1, wasm: 0.3 });
    expect(again.reason).toMatch(
      /^auto, measured on \d{4}-\d\d-\d\d \(remembered in test storage\): webgpu 13 ms\/step, wasm 0\.30 ms\/step: wasm$/,
    );
    // Another adapter (or model) is measured afresh, and may choose otherwise.
    const faster: Timing[] = [
      { backend: "webgpu", msPerStep: 0.2 },
      { backend: "wasm", msPerStep: 0.3 },
    ];
    const other = await autoChoice(autoKey("experts-attention", 1, "adapter B"), cache, async () => faster);
    expect(other.backend).toBe("webgpu");
  });

  test("a cache that fails to read or write does not stop the choice, and says it was not kept", async () => {
    const broken: AutoCache = {
      where: "nowhere",
      get: async () => {
        throw new Error("storage refused");
      },
      set: async () => {
        throw new Error("quota exceeded");
      },
    };
    const r = await autoChoice("k", broken, async () => timings);
    expect(r.backend).toBe("wasm");
    expect(r.reason).toMatch(/not remembered: quota exceeded/);
  });
});

describe("npm run train -- MODEL --backend auto|wasm --json", () => {
  test("auto without Chromium: webgpu unavailable with why, wasm timed and chosen, then remembered", async () => {
    vi.stubEnv("CHROMIUM_PATH", join(dir, "no-such-chromium"));
    vi.stubEnv("WORKBENCH_AUTO_CACHE", join(dir, "auto-cache.json"));
    const json = join(dir, "auto.json");
    const io = quiet();
    const argv = ["experts-attention", "--backend", "auto", "--steps", "30", "--json", json];
    expect(await trainMain(argv, io), io.errors.join("\n")).toBe(0);
    const r = JSON.parse(readFileSync(json, "utf8"));
    expect(r.backend).toBe("wasm");
    expect(r.measured.webgpu).toBeNull();
    expect(r.measured.wasm).toBeGreaterThan(0);
    expect(r.reason).toMatch(
      /^auto, measured now \(remembered in .*auto-cache\.json\): webgpu unavailable \(no Chromium found \(set CHROMIUM_PATH\)\), wasm [\d.]+ ms\/step: wasm/,
    );
    expect(r.loss).toHaveLength(30);
    expect(io.lines.join("\n")).toMatch(/auto: timing 12 steps of experts-attention on webgpu and on wasm/);
    const cache = JSON.parse(readFileSync(join(dir, "auto-cache.json"), "utf8"));
    expect(Object.values(cache)).toEqual([
      expect.objectContaining({ backend: "wasm", measured: r.measured }),
    ]);

    // The second run takes the remembered choice without timing anything.
    const io2 = quiet();
    expect(await trainMain(argv, io2), io2.errors.join("\n")).toBe(0);
    const r2 = JSON.parse(readFileSync(json, "utf8"));
    expect(r2).toMatchObject({ backend: "wasm", measured: r.measured });
    expect(r2.reason).toMatch(
      /^auto, measured on \d{4}-\d\d-\d\d \(remembered in .*auto-cache\.json\): webgpu unavailable/,
    );
    expect(io2.lines.join("\n")).not.toMatch(/auto: timing/);
  }, 60_000);

  test("wasm forced: trained on wasm, with the losses of the CPU backend within 1%", async () => {
    const wasmJson = join(dir, "wasm.json");
    const cpuJson = join(dir, "cpu.json");
    const argv = (b: string, f: string) => ["grain-attention", "--backend", b, "--steps", "200", "--json", f];
    expect(await trainMain(argv("wasm", wasmJson), quiet())).toBe(0);
    expect(await trainMain(argv("cpu", cpuJson), quiet())).toBe(0);
    const w = JSON.parse(readFileSync(wasmJson, "utf8"));
    const c = JSON.parse(readFileSync(cpuJson, "utf8"));
    expect(w).toMatchObject({ backend: "wasm", measured: null });
    expect(w.reason).toMatch(/the wasm backend was requested \(WebAssembly SIMD, \d threads?/);
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    expect(rel(w.final.trainLoss, c.final.trainLoss)).toBeLessThan(0.01);
  }, 60_000);
});
