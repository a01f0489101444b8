// The language-model page in headless Chromium (WebGPU on SwiftShader here): it loads without console errors and is
// in the site menu; the tiny preset on the names corpus trains a few dozen steps in the worker on WebGPU, the
// training loss falls, the validation loss and the baselines reach the chart, a sample written by the current weights
// appears (and a prompt outside the vocabulary is refused by name), and the attention heatmaps are drawn per layer
// and head. The screenshot goes to test-results/screenshots/lm.png (not compared).

import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { ElementHandle } from "puppeteer";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openPage, type Session } from "../headless/browser";

const SHOTS = resolve(import.meta.dirname, "../../test-results/screenshots");
let s: Session;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  s = await openPage("/demos/lm/");
  await s.page.setViewport({ width: 1280, height: 900 });
});

afterAll(async () => {
  await s?.close();
});

async function deep(selector: string): Promise<ElementHandle<Element>> {
  const h = await s.page.waitForSelector(`>>> ${selector}`, { timeout: 20_000 });
  if (!h) throw new Error(`no element matches ${selector}`);
  return h;
}

async function fill(name: string, text: string): Promise<void> {
  const input = await deep(`wb-trainer-panel >>> input[name=${name}]`);
  await input.click();
  await s.page.keyboard.down("Control");
  await s.page.keyboard.press("a");
  await s.page.keyboard.up("Control");
  await s.page.keyboard.press("Backspace");
  await s.page.keyboard.type(text);
}

/** Text of the first element matching `selector` in the page element's shadow root (as written). */
const rawText = (selector: string) =>
  s.page.evaluate(
    (sel: string) =>
      document.querySelector("wb-lm-page")!.shadowRoot!.querySelector(sel)?.textContent ?? null,
    selector,
  );
/** The same with runs of white space as one space. */
const textOf = async (selector: string) => (await rawText(selector))?.replace(/\s+/g, " ") ?? null;

test("lm: the tiny preset trains on WebGPU, the loss falls, samples and heatmaps appear", async () => {
  await s.page.waitForSelector("wb-lm-page");
  const nav = await s.page.evaluate(() =>
    [...document.querySelectorAll("nav.site a")].map((a) => [a.textContent, a.getAttribute("aria-current")]),
  );
  expect(nav).toContainEqual(["Language model", "page"]);
  const select = await deep("wb-trainer-panel >>> select");
  await select.select("webgpu");
  await fill("steps", "40");
  await fill("batch", "16");
  const start = await deep("wb-trainer-panel >>> ::-p-text(Start)");
  await start.click();
  await s.page.waitForFunction(() => ["done", "failed"].includes(window.__wb?.state ?? ""), {
    timeout: 300_000,
  });
  const p = await s.page.evaluate(() => window.__wb!);
  expect(p.failure, JSON.stringify(p.failure)).toBeNull();
  expect(p.backend).toBe("webgpu");
  expect(p.points).toBe(40);
  expect(p.lastLoss!).toBeLessThan(p.firstLoss! - 0.3);
  // The snapshot after the last step: a sample of the names' characters, the validation loss and the baselines.
  await s.page.waitForFunction(
    () => !!document.querySelector("wb-lm-page")!.shadowRoot!.querySelector("pre.sample"),
    { timeout: 60_000 },
  );
  const sample = (await rawText("pre.sample"))!;
  expect(sample.length).toBeGreaterThan(10);
  expect(sample).toMatch(/^[a-z\n' -]+$/);
  expect(await textOf(".val")).toMatch(
    /Validation after \d+ steps: [\d.]+ nats = [\d.]+ bits per character \(bigram 2\.444/,
  );
  expect(await textOf(".speed")).toMatch(/\d+ tokens\/s · [\d.]+ GFLOP\/s/);
  const chart = await s.page.evaluate(() => {
    const c = document.querySelector("wb-lm-page")!.shadowRoot!.querySelector("wb-loss-chart")!;
    return { columns: c.data.length, labels: c.series.map((x) => x.label) };
  });
  expect(chart.labels).toEqual(["train", "validation", "unigram", "bigram"]);
  expect(chart.columns).toBe(5);
  // 1 layer × 4 heads: a row for the chosen query and a full map per head.
  const maps = await s.page.evaluate(
    () => document.querySelector("wb-lm-page")!.shadowRoot!.querySelectorAll("wb-attention-heatmap").length,
  );
  expect(maps).toBe(8);
  await s.page.screenshot({ path: resolve(SHOTS, "lm.png"), fullPage: true });

  // A prompt with characters outside the vocabulary: the next snapshot names them instead of sampling.
  const prompt = await deep("wb-lm-page >>> input.prompt");
  await prompt.click();
  await s.page.keyboard.type("Ann");
  await s.page.keyboard.press("Enter");
  await s.page.waitForFunction(
    () => !!document.querySelector("wb-lm-page")!.shadowRoot!.querySelector("p.error"),
    { timeout: 60_000 },
  );
  expect(await textOf("p.error")).toContain("outside the vocabulary: 'A'");
  expect(s.errors).toEqual([]);
});
