// The language-model page in headless Chromium (WebGPU on SwiftShader here): it loads without console errors and is
// in the site menu; the tiny preset on the names corpus trains a few dozen steps in the worker on WebGPU, the
// training loss falls, the validation loss and the baselines reach the chart, a sample written by the current weights
// appears (and a prompt outside the vocabulary is refused by name), and the attention heatmaps are drawn per layer
// and head; the weights save to a file and load back (a file of another shape is refused), and "Download for
// PyTorch" writes the safetensors file for src/torch, which loads back with the same weights. The screenshot goes
// to test-results/screenshots/lm.png (not compared).

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ElementHandle } from "puppeteer";
import { afterAll, beforeAll, expect, test } from "vitest";
import { readSafetensors } from "../../src/io/safetensors";
import { openPage, type Session } from "../headless/browser";

const SHOTS = resolve(import.meta.dirname, "../../test-results/screenshots");
const DOWNLOADS = resolve(import.meta.dirname, "../../test-results/downloads-lm");
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

test("lm: the weights save to a file and load back, also as safetensors for PyTorch; another shape is refused, naming it", async () => {
  rmSync(DOWNLOADS, { recursive: true, force: true });
  mkdirSync(DOWNLOADS, { recursive: true });
  const cdp = await s.page.createCDPSession();
  await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: DOWNLOADS });
  s.errors.length = 0;
  await (await deep("wb-trainer-panel >>> ::-p-text(Save weights)")).click();
  const name = "lm-char-gpt-names-tiny-step40.json";
  for (let i = 0; i < 100 && !existsSync(resolve(DOWNLOADS, name)); i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(readdirSync(DOWNLOADS)).toContain(name);
  const file = JSON.parse(readFileSync(resolve(DOWNLOADS, name), "utf8"));
  expect(file.runs[0].params["tokens.table"].shape).toEqual([28, 32]);
  await (await deep("wb-trainer-panel >>> ::-p-text(Reset)")).click();
  await s.page.waitForFunction(() => window.__wb?.state === "idle");
  const load = async (content: unknown) => {
    const path = resolve(DOWNLOADS, "upload.json");
    writeFileSync(path, JSON.stringify(content));
    const input = (await deep("wb-trainer-panel >>> input[type=file]")) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(path);
  };
  const wrong = structuredClone(file);
  wrong.runs[0].params["lnF.gamma"] = { shape: [16], data: new Array(16).fill(1) };
  await load(wrong);
  let text = "";
  for (let i = 0; i < 100 && !/lnF\.gamma/.test(text); i++) {
    await new Promise((r) => setTimeout(r, 100));
    text = await s.page.evaluate(
      () =>
        document
          .querySelector("wb-lm-page")!
          .shadowRoot!.querySelector("wb-trainer-panel")!
          .shadowRoot!.querySelector("p.error")?.textContent ?? "",
    );
  }
  expect(text).toMatch(/lnF\.gamma.*\[16\].*\[32\]/);
  await load(file);
  await s.page.waitForFunction(() => window.__wb?.state === "done" && window.__wb.step === 40, {
    timeout: 60_000,
  });

  // Download for PyTorch: the twin's names (the tied head is tokens.weight alone), its corpus and a sample of it.
  await (await deep("wb-trainer-panel >>> ::-p-text(Download for PyTorch)")).click();
  const torchName = "char-gpt-names-tiny-step40-seed1.safetensors";
  const torchPath = resolve(DOWNLOADS, torchName);
  for (let i = 0; i < 200 && !existsSync(torchPath); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 200));
  const torch = readSafetensors(readFileSync(torchPath));
  expect(torch.metadata["workbench.model"]).toBe("char-gpt");
  expect(torch.metadata["workbench.dataset"]).toBe("names");
  expect(torch.metadata["workbench.step"]).toBe("40");
  expect(torch.tensors.get("tokens.weight")!.shape).toEqual([28, 32]);
  expect(torch.tensors.has("head.weight")).toBe(false);
  expect(JSON.parse(torch.metadata["workbench.data"]!).text.length).toBe(4096);
  // It loads back: the same weights as the file saved before.
  await (await deep("wb-trainer-panel >>> ::-p-text(Reset)")).click();
  await s.page.waitForFunction(() => window.__wb?.state === "idle");
  const input = (await deep("wb-trainer-panel >>> input[type=file]")) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(torchPath);
  await s.page.waitForFunction(() => window.__wb?.state === "done" && window.__wb.step === 40, {
    timeout: 60_000,
  });
  rmSync(resolve(DOWNLOADS, name));
  await (await deep("wb-trainer-panel >>> ::-p-text(Save weights)")).click();
  for (let i = 0; i < 100 && !existsSync(resolve(DOWNLOADS, name)); i++)
    await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 200));
  const back = JSON.parse(readFileSync(resolve(DOWNLOADS, name), "utf8"));
  expect(back.runs[0].params).toEqual(file.runs[0].params);
  expect(s.errors).toEqual([]);
});
