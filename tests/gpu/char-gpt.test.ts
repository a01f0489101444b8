// The character-level GPT on WebGPU (SwiftShader here) against the CPU backend, in headless Chromium: the
// names corpus loads through Vite's imports in the browser, and the losses of the first 200 steps of the tiny
// preset (its own batch of 32) agree within 1% at every step (same seed, same batches).

import { afterAll, beforeAll, expect, test } from "vitest";
import { openPage, type Session } from "../headless/browser";

let session: Session;

beforeAll(async () => {
  session = await openPage("/tests/gpu/char-gpt.html");
  await session.page.waitForSelector("body[data-ready]");
});

afterAll(async () => {
  await session?.close();
});

test("tiny preset: 200 steps on WebGPU and the CPU, loss within 1% at every step", async () => {
  const r = await session.page.evaluate(() => window.charGptChecks.parity(200, 32));
  expect(r.valNames).toBe(842);
  expect(r.gpu.length).toBe(200);
  expect(r.cpu.length).toBe(200);
  let worst = 0;
  r.gpu.forEach((g, i) => {
    const rel = Math.abs(g - r.cpu[i]!) / Math.abs(r.cpu[i]!);
    worst = Math.max(worst, rel);
    expect(rel, `step ${i}: gpu ${g} vs cpu ${r.cpu[i]}`).toBeLessThanOrEqual(0.01);
  });
  expect(r.cpu[199]!).toBeLessThan(r.cpu[0]!);
  console.log(
    `char-gpt on ${r.adapter}: loss ${r.cpu[0]} -> ${r.cpu[199]}, max relative gpu/cpu deviation ${worst.toExponential(2)}`,
  );
});
