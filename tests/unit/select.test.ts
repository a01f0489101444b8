// Backend selection without a GPU: Node has no navigator.gpu, so "auto" must give the wasm backend (or the CPU
// when the wasm module cannot run) and say why, and a forced "webgpu" must fail with that reason instead of
// quietly running on something else. The measured choice (chooseByTiming) is checked with injected timings.

import { afterEach, describe, expect, test, vi } from "vitest";
import { chooseByTiming, createBackend, parseBackendChoice } from "../../src/backend/select";
import type { WasmBackend } from "../../src/backend/wasm";
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

  test("auto in Node (no navigator.gpu) falls back to wasm and says why", async () => {
    const { backend, reason } = await createBackend("auto");
    expect(backend.name).toBe("wasm");
    (backend as WasmBackend).dispose();
    expect(reason).toMatch(/WebGPU is unavailable/);
    expect(reason).toMatch(/navigator\.gpu is missing: not running in a browser/);
    expect(reason).toMatch(/using wasm \(WebAssembly SIMD, \d+ threads? \(\d+ core\(s\)\)\)$/);
  });

  test("wasm gives a working wasm backend that says how many threads and why", async () => {
    const { backend, reason } = await createBackend("wasm", { threads: 1 });
    expect(backend.name).toBe("wasm");
    expect(reason).toMatch(
      /the wasm backend was requested \(WebAssembly SIMD, 1 thread \(1 thread\(s\) requested\)\)/,
    );
    const a = backend.tensor([1, 2, 3, 4], [2, 2]);
    const b = backend.tensor([5, 6, 7, 8], [2, 2]);
    expect([...(await backend.read(backend.matmul(a, b)))]).toEqual([19, 22, 43, 50]);
    (backend as WasmBackend).dispose();
  });

  test("a wasm module that does not compile (no SIMD) gives the CPU, with the reason", async () => {
    vi.spyOn(WebAssembly, "compile").mockRejectedValue(new WebAssembly.CompileError("invalid opcode 0xfd"));
    try {
      for (const choice of ["wasm", "auto"] as const) {
        const { backend, reason } = await createBackend(choice, { threads: 1 });
        expect(backend.name).toBe("cpu");
        expect(reason).toMatch(
          /did not compile \(WebAssembly SIMD needed\): invalid opcode 0xfd: using the CPU/,
        );
      }
    } finally {
      vi.restoreAllMocks();
    }
  });

  test("auto with navigator but no navigator.gpu names the missing API", async () => {
    vi.stubGlobal("navigator", {});
    const { backend, reason } = await createBackend("auto", { threads: 1 });
    expect(backend.name).toBe("wasm");
    expect(reason).toMatch(/navigator\.gpu is missing/);
  });

  test("auto when requestAdapter() gives null says so", async () => {
    vi.stubGlobal("navigator", { gpu: { requestAdapter: async () => null } });
    const { backend, reason } = await createBackend("auto", { variants: { matmul: "naive" }, threads: 1 });
    expect(backend.name).toBe("wasm");
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
    const { backend, reason } = await createBackend("auto", { threads: 1 });
    expect(backend.name).toBe("wasm");
    expect(reason).toMatch(/requestDevice\(\) failed: device creation refused/);
  });

  test("webgpu forced without WebGPU throws the clear error", async () => {
    const p = createBackend("webgpu", { variants: { matmul: "naive" } });
    await expect(p).rejects.toBeInstanceOf(WebGPUUnavailableError);
    await expect(p).rejects.toThrow(/navigator\.gpu is missing/);
  });

  test("an unknown choice is refused with the valid ones", async () => {
    await expect(createBackend("gpu" as never)).rejects.toThrow(/expected one of auto, webgpu, wasm, cpu/);
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

describe("chooseByTiming", () => {
  test("the fastest measured backend wins, with the figures", () => {
    const r = chooseByTiming([
      { backend: "webgpu", msPerStep: 13.1 },
      { backend: "wasm", msPerStep: 0.31 },
    ]);
    expect(r).toEqual({ backend: "wasm", reason: "webgpu 13 ms/step, wasm 0.31 ms/step: wasm" });
    expect(
      chooseByTiming([
        { backend: "webgpu", msPerStep: 2.5 },
        { backend: "wasm", msPerStep: 4 },
      ]).backend,
    ).toBe("webgpu");
  });

  test("an unavailable backend is named with why and never wins", () => {
    const r = chooseByTiming([
      { backend: "webgpu", msPerStep: null, why: "no adapter" },
      { backend: "wasm", msPerStep: 7.25 },
    ]);
    expect(r).toEqual({ backend: "wasm", reason: "webgpu unavailable (no adapter), wasm 7.3 ms/step: wasm" });
  });

  test("nothing measurable gives the CPU", () => {
    const r = chooseByTiming([
      { backend: "webgpu", msPerStep: null, why: "no adapter" },
      { backend: "wasm", msPerStep: null, why: "no SIMD" },
    ]);
    expect(r).toEqual({
      backend: "cpu",
      reason: "webgpu unavailable (no adapter), wasm unavailable (no SIMD): cpu",
    });
  });
});
