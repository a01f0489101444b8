// Training on WebGPU (SwiftShader here) against the CPU backend, in headless Chromium: loss parity per model
// family, flat GPU memory over a long run, recovery from a lost device, and the non-finite guard.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openPage, type Session } from "../headless/browser";
import type { Family } from "./families";

let session: Session;

beforeAll(async () => {
  session = await openPage("/tests/gpu/training.html");
  // The first load transforms the page's modules: slow on a busy two-core machine.
  await session.page.waitForSelector("body[data-ready]", { timeout: 180_000 });
});

afterAll(async () => {
  await session?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: arguments cross into the page as JSON
async function call<T>(name: string, ...args: any[]): Promise<T> {
  return (await session.page.evaluate(
    (n, a) =>
      (window.trainingChecks as unknown as Record<string, (...x: unknown[]) => Promise<unknown>>)[n]!(...a),
    name,
    args,
  )) as T;
}

describe("WebGPU training matches the CPU backend", () => {
  // 200 steps, same seed: every step's loss within 1% relative (the bound); the max deviation is printed.
  for (const family of ["mlp", "mixture", "transformer"] as Family[]) {
    test(`${family}: 200 steps, loss within 1% at every step`, async () => {
      const { gpu, cpu } = await call<{ gpu: number[]; cpu: number[] }>("parity", family, 200);
      expect(gpu.length).toBe(200);
      expect(cpu.length).toBe(200);
      let worst = 0;
      gpu.forEach((g, i) => {
        const rel = Math.abs(g - cpu[i]!) / Math.abs(cpu[i]!);
        worst = Math.max(worst, rel);
        expect(rel, `step ${i}: gpu ${g} vs cpu ${cpu[i]}`).toBeLessThanOrEqual(0.01);
      });
      expect(cpu[199]!).toBeLessThan(cpu[0]!); // it trained
      console.log(
        `${family}: loss ${cpu[0]} -> ${cpu[199]}, max relative gpu/cpu deviation ${worst.toExponential(2)}`,
      );
    });
  }
});

describe("GPU memory", () => {
  test("does not grow over 2,000 steps", { timeout: 600_000 }, async () => {
    const { samples } = await call<{ samples: { step: number; bytesInUse: number; allocations: number }[] }>(
      "memory",
      "mixture",
      2000,
      100,
    );
    const settled = samples.filter((s) => s.step >= 100);
    expect(settled.length).toBeGreaterThan(10);
    const first = settled[0]!;
    for (const s of settled) {
      expect(s.bytesInUse, `bytes in use at step ${s.step}`).toBe(first.bytesInUse);
      expect(s.allocations, `buffer allocations at step ${s.step}`).toBe(first.allocations);
    }
    console.log(
      `pool: ${first.bytesInUse} bytes in use, ${first.allocations} buffers, flat from step ${first.step}`,
    );
  });
});

describe("faults", () => {
  test("a lost device resumes on a new WebGPU device from the last checkpoint", async () => {
    const r = await call<{
      recoveries: { fromStep: number; toStep: number; backend: string; reason: string }[];
      steps: number[];
      finalStep: number;
      finalBackend: string;
    }>("deviceLoss", "mlp", 40, 25, 10, "webgpu");
    expect(r.recoveries.length).toBe(1);
    expect(r.recoveries[0]!.toStep).toBe(20); // the last checkpoint before the loss at step 25
    expect(r.recoveries[0]!.fromStep - r.recoveries[0]!.toStep).toBeLessThanOrEqual(10);
    expect(r.recoveries[0]!.reason).toMatch(/lost/i);
    expect(r.finalStep).toBe(40);
    expect(r.steps).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(r.finalBackend).toBe("webgpu");
  });

  test("a lost device can continue on the CPU", async () => {
    const r = await call<{ recoveries: { backend: string }[]; finalStep: number; finalBackend: string }>(
      "deviceLoss",
      "transformer",
      30,
      15,
      10,
      "cpu",
    );
    expect(r.recoveries.map((x) => x.backend)).toEqual(["cpu"]);
    expect(r.finalStep).toBe(30);
    expect(r.finalBackend).toBe("cpu");
  });

  test("a non-finite loss stops training, names the step and keeps finite parameters", async () => {
    const r = await call<{ message: string; errorStep: number; allFinite: boolean }>("nanStop", 7);
    expect(r.errorStep).toBe(7);
    expect(r.message).toMatch(/step 7/);
    expect(r.message).toMatch(/not finite/);
    expect(r.allFinite).toBe(true);
  });

  // The README's table ("Training on the GPU: what a step costs") states these counts: forward + backward +
  // Adam with the global-norm guard, default variants.
  test("dispatches per training step are the README's 23 / 18 / 123", async () => {
    const readme: Record<Family, number> = { mlp: 23, mixture: 18, transformer: 123 };
    for (const family of ["mlp", "mixture", "transformer"] as Family[]) {
      const n = await call<number>("dispatches", family);
      console.log(`dispatches per step, ${family}: ${n}`);
      expect(n, family).toBe(readme[family]);
    }
  });
});
