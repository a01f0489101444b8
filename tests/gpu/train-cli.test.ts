// `npm run train -- grain-attention --backend webgpu`: the CLI's headless-Chromium path end to end (Vite, the
// train page, WebGPU on the machine's adapter), checked against the same run on the CPU in Node.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { type Io, trainMain } from "../../src/cli/train-main";

const dir = mkdtempSync(join(tmpdir(), "train-cli-gpu-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function quiet(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

test("grain-attention, 100 steps on WebGPU: JSON, attention summary, and the CPU's losses", async () => {
  const gpuJson = join(dir, "gpu.json");
  const io = quiet();
  const code = await trainMain(
    ["grain-attention", "--backend", "webgpu", "--steps", "100", "--json", gpuJson],
    io,
  );
  expect(code, io.errors.join("\n")).toBe(0);
  const gpu = JSON.parse(readFileSync(gpuJson, "utf8"));
  expect(gpu).toMatchObject({ model: "grain-attention", backend: "webgpu", params: 18, seed: 1, steps: 100 });
  expect(typeof gpu.adapter).toBe("string");
  expect(gpu.adapter.length).toBeGreaterThan(0);
  expect(gpu.loss).toHaveLength(100);
  expect(gpu.loss.at(-1)).toBeLessThan(gpu.loss[0]);
  expect(Object.keys(gpu.final)).toEqual(["trainLoss", "testLoss", "outOfRangeLoss", "accuracy"]);
  expect(gpu.final.accuracy).toBeNull();
  expect(Object.keys(gpu.attention)).toEqual(["white", "brown", "franken"]);
  for (const w of Object.values(gpu.attention) as number[][]) {
    expect(w).toHaveLength(3);
    expect(w.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  }
  expect(io.lines.join("\n")).toMatch(/adapter +\S/);

  // The same run on the CPU: f32 on both sides, differently ordered sums; 100 Adam steps keep them within 1%
  // (the bound tests/gpu/training.test.ts holds every step to).
  const cpuJson = join(dir, "cpu.json");
  expect(
    await trainMain(["grain-attention", "--backend", "cpu", "--steps", "100", "--json", cpuJson], quiet()),
  ).toBe(0);
  const cpu = JSON.parse(readFileSync(cpuJson, "utf8"));
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
  expect(rel(gpu.final.trainLoss, cpu.final.trainLoss)).toBeLessThan(0.01);
  expect(rel(gpu.loss.at(-1), cpu.loss.at(-1))).toBeLessThan(0.01);
  console.log(
    `grain-attention 100 steps on ${gpu.adapter}: ${gpu.seconds.toFixed(2)} s, final train loss gpu ${gpu.final.trainLoss} cpu ${cpu.final.trainLoss}`,
  );
});

test("--backend auto times webgpu (in the page) and wasm (in Node), trains on the faster and reports why", async () => {
  const json = join(dir, "auto.json");
  const io = quiet();
  const before = process.env.WORKBENCH_AUTO_CACHE;
  process.env.WORKBENCH_AUTO_CACHE = join(dir, "auto-cache.json");
  try {
    const argv = ["experts-attention", "--backend", "auto", "--steps", "50", "--json", json];
    expect(await trainMain(argv, io), io.errors.join("\n")).toBe(0);
  } finally {
    if (before === undefined) delete process.env.WORKBENCH_AUTO_CACHE;
    else process.env.WORKBENCH_AUTO_CACHE = before;
  }
  const r = JSON.parse(readFileSync(json, "utf8"));
  const { webgpu, wasm } = r.measured as { webgpu: number; wasm: number };
  expect(webgpu).toBeGreaterThan(0);
  expect(wasm).toBeGreaterThan(0);
  const winner = webgpu < wasm ? "webgpu" : "wasm";
  expect(r.backend).toBe(winner);
  expect(r.reason).toMatch(
    new RegExp(
      `^auto, measured now \\(remembered in .*auto-cache\\.json\\): webgpu [\\d.]+ ms/step, wasm [\\d.]+ ms/step: ${winner}`,
    ),
  );
  expect(r.loss).toHaveLength(50);
  console.log(`experts-attention, auto: ${r.reason}`);
}, 120_000);

test("char-gpt on names, 12 steps on WebGPU: the report, and the validation loss of the CPU's run within 1%", async () => {
  const run = async (backend: string) => {
    const json = join(dir, `char-gpt-${backend}.json`);
    const io = quiet();
    const argv = ["char-gpt", "--dataset", "names", "--steps", "12", "--batch", "8", "--backend", backend];
    const code = await trainMain([...argv, "--json", json], io);
    expect(code, io.errors.join("\n")).toBe(0);
    return JSON.parse(readFileSync(json, "utf8"));
  };
  const gpu = await run("webgpu");
  expect(gpu).toMatchObject({
    model: "char-gpt",
    dataset: "names",
    preset: "tiny",
    backend: "webgpu",
    steps: 12,
  });
  expect(gpu.adapter.length).toBeGreaterThan(0);
  expect(gpu.samples).toHaveLength(3);
  const cpu = await run("cpu");
  expect(Math.abs(gpu.final.valLoss - cpu.final.valLoss) / cpu.final.valLoss).toBeLessThanOrEqual(0.01);
  expect(gpu.baselines).toEqual(cpu.baselines);
}, 300_000);
