// Backend selection without a GPU: Node has no navigator.gpu, so "auto" must give the CPU backend and say why,
// and a forced "webgpu" must fail with that reason instead of quietly running on the CPU.

import { afterEach, describe, expect, test, vi } from "vitest";
import { createBackend, parseBackendChoice } from "../../src/backend/select";
import { WebGPUUnavailableError } from "../../src/gpu/device";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("createBackend", () => {
  test("cpu gives a working CPU backend", async () => {
    const { backend, reason } = await createBackend("cpu");
    expect(backend.name).toBe("cpu");
    expect(reason).toMatch(/cpu backend was requested/);
    const a = backend.tensor([1, 2, 3, 4], [2, 2]);
    const b = backend.tensor([5, 6, 7, 8], [2, 2]);
    expect([...(await backend.read(backend.matmul(a, b)))]).toEqual([19, 22, 43, 50]);
  });

  test("auto in Node (no navigator.gpu) falls back to the CPU and says why", async () => {
    const { backend, reason } = await createBackend("auto");
    expect(backend.name).toBe("cpu");
    expect(reason).toMatch(/WebGPU is unavailable/);
    expect(reason).toMatch(/navigator\.gpu is missing: not running in a browser/);
  });

  test("auto with navigator but no navigator.gpu names the missing API", async () => {
    vi.stubGlobal("navigator", {});
    const { backend, reason } = await createBackend("auto");
    expect(backend.name).toBe("cpu");
    expect(reason).toMatch(/navigator\.gpu is missing/);
  });

  test("auto when requestAdapter() gives null says so", async () => {
    vi.stubGlobal("navigator", { gpu: { requestAdapter: async () => null } });
    const { backend, reason } = await createBackend("auto", { variants: { matmul: "naive" } });
    expect(backend.name).toBe("cpu");
    expect(reason).toMatch(/requestAdapter\(\) returned null/);
  });

  test("auto when requestDevice() fails gives the CPU with the device error", async () => {
    const adapter = {
      features: new Set<string>(),
      limits: { maxStorageBufferBindingSize: 1 << 27, maxBufferSize: 1 << 28 },
      info: { vendor: "test", architecture: "test", description: "" },
      requestDevice: async () => {
        throw new Error("device creation refused");
      },
    };
    vi.stubGlobal("navigator", { gpu: { requestAdapter: async () => adapter } });
    const { backend, reason } = await createBackend("auto");
    expect(backend.name).toBe("cpu");
    expect(reason).toMatch(/requestDevice\(\) failed: device creation refused/);
  });

  test("webgpu forced without WebGPU throws the clear error", async () => {
    const p = createBackend("webgpu", { variants: { matmul: "naive" } });
    await expect(p).rejects.toBeInstanceOf(WebGPUUnavailableError);
    await expect(p).rejects.toThrow(/navigator\.gpu is missing/);
  });

  test("an unknown choice is refused with the valid ones", async () => {
    await expect(createBackend("gpu" as never)).rejects.toThrow(/expected one of auto, webgpu, cpu/);
  });
});

describe("parseBackendChoice", () => {
  test("absent means auto; known names pass; others throw", () => {
    expect(parseBackendChoice(null)).toBe("auto");
    expect(parseBackendChoice("")).toBe("auto");
    expect(parseBackendChoice("cpu")).toBe("cpu");
    expect(parseBackendChoice("webgpu")).toBe("webgpu");
    expect(() => parseBackendChoice("cuda")).toThrow(/unknown backend 'cuda'/);
  });
});
