// The wasm backend in headless Chromium, as the pages load it: the page is cross-origin isolated (the COOP/COEP
// headers of vite.config.ts), so the pool starts with every core, Chromium has relaxed SIMD, so the module is
// that build, and every op folder's case passes against the float64 CPU reference there too, on one thread and
// on two, on the relaxed-SIMD build and on the plain one.

import { afterAll, beforeAll, expect, test } from "vitest";
import { allCases } from "../../src/kernels/index";
import { openPage, type Session } from "../headless/browser";

let session: Session;

beforeAll(async () => {
  session = await openPage("/tests/gpu/wasm.html");
  await session.page.waitForSelector("body[data-ready]");
});

afterAll(async () => {
  await session?.close();
});

test("the page is cross-origin isolated and the backend uses every core", async () => {
  const r = await session.page.evaluate(() => window.wasmChecks.info());
  expect(r.isolated).toBe(true);
  const cores = await session.page.evaluate(() => navigator.hardwareConcurrency);
  expect(r.threads).toBe(cores);
  expect(r.description).toMatch(/^WebAssembly SIMD, \d+ threads? \(\d+ core\(s\)\)$/);
  expect(r.relaxed).toBe(true);
});

for (const relaxed of [true, false]) {
  for (const threads of [1, 2]) {
    const build = relaxed ? "relaxed SIMD" : "plain SIMD";
    test(`every wasm case passes in the browser, ${threads} thread(s), ${build}`, async () => {
      const r = await session.page.evaluate(([t, x]) => window.wasmChecks.cases(t, x), [
        threads,
        relaxed,
      ] as const);
      expect(r.threads).toBe(threads);
      expect(r.relaxed).toBe(relaxed);
      expect(r.run).toBe(allCases("wasm").length);
      expect(r.failed).toEqual([]);
      expect(session.errors).toEqual([]);
    }, 300_000);
  }
}
