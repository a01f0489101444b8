// Error paths on a real WebGPU device (headless Chromium, SwiftShader without a GPU): compile errors, shape and
// backend mismatches, device limits, device loss, use after dispose, and buffer reuse. The checks run in
// tests/gpu/errors-page.ts; this file opens the page and turns each published check into a test.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Session } from "../headless/browser";
import { openPage } from "../headless/browser";
import type { ErrorCheck, ErrorsState } from "./errors-page";

// The checks, in the page's order; a missing one fails (a renamed check must be renamed here too).
const EXPECTED = [
  "WGSL compile error surfaces as KernelError at sync()",
  "WGSL compile error surfaces as KernelError at read()",
  "after a kernel error the runtime keeps working",
  "matmul with mismatched K throws ShapeError before any dispatch",
  "a cpu tensor in a webgpu op throws (and the reverse)",
  "an output larger than maxStorageBufferBindingSize is refused naming the limit",
  "a buffer or upload past the device's buffer limit is refused before anything is created",
  "a grid over maxComputeWorkgroupsPerDimension throws naming the limit",
  "the same through matmul: a [1, 1] x [1, N] grid past the limit (naive variant)",
  "a tensor used after dispose throws",
  "the buffer pool reuses buffers: allocations flat over 100 matmul+dispose",
  "createBackend picks WebGPU in the browser and applies forced variants",
  "device.destroy() then an op throws DeviceLostError",
  "device.destroy() with work in flight: read() throws DeviceLostError",
];

let session: Session | undefined;
let result: ErrorsState;

beforeAll(async () => {
  session = await openPage("/tests/gpu/errors.html");
  for (;;) {
    const s = (await session.page.evaluate(() => window.__errors ?? null)) as ErrorsState | null;
    if (s && s.state !== "running") {
      result = s;
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
});

afterAll(async () => {
  await session?.close();
});

describe("WebGPU error paths", () => {
  test("the page ran to the end", () => {
    expect(result.error ?? "", "the page stopped with an error").toBe("");
    expect(result.state).toBe("done");
    console.log(`adapter: ${result.adapter}`);
  });

  test("every expected check ran, and no other", () => {
    expect(result.checks.map((c) => c.name)).toEqual(EXPECTED);
  });

  for (const name of EXPECTED) {
    test(name, () => {
      const c: ErrorCheck | undefined = result.checks.find((x) => x.name === name);
      expect(c, `no result for "${name}"`).toBeDefined();
      expect(c!.pass, c!.detail).toBe(true);
      console.log(`${name}: ${c!.detail}`);
    });
  }
});
