// In-browser side of tests/gpu/wasm-browser.test.ts: the wasm backend as the pages get it (the module through a
// Vite asset URL, the pool's workers as module workers over shared memory in a cross-origin-isolated page).

import { WasmBackend } from "../../src/backend/wasm";
import { allCases } from "../../src/kernels/index";
import { verifyCase } from "../../src/verify/run";

const api = {
  /** Whether the page can share memory, and the backend's threads, reason and build (relaxed SIMD or not). */
  async info() {
    const be = await WasmBackend.create();
    const out = {
      isolated: globalThis.crossOriginIsolated,
      threads: be.threads,
      description: be.description,
      relaxed: be.engine.relaxed,
    };
    be.dispose();
    return out;
  },

  /**
   * Every wasm case with `threads` threads, the pool used for every size, on the relaxed-SIMD build or the
   * plain one; the failures, and the count run.
   */
  async cases(threads: number, relaxedSimd: boolean) {
    const be = await WasmBackend.create({ threads, cutover: { flops: 0, rowElements: 0 }, relaxedSimd });
    const failed: string[] = [];
    const cases = allCases("wasm");
    try {
      for (const c of cases) {
        const r = await verifyCase(c, be);
        if (!r.pass) failed.push(`${c.id} (${c.shape}): ${r.detail}`);
      }
    } finally {
      be.dispose();
    }
    return { threads: be.threads, relaxed: be.engine.relaxed, run: cases.length, failed };
  },
};

declare global {
  interface Window {
    wasmChecks: typeof api;
  }
}
window.wasmChecks = api;
document.body.dataset.ready = "1";
