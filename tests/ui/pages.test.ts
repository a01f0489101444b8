// The workbench pages in headless Chromium (WebGPU on SwiftShader here): every page loads without console errors,
// each training page trains a few dozen steps on WebGPU with the chart receiving points and the loss falling,
// bad form input is refused, a failure offers the CPU, the kernels page produces its table, and components
// re-render on property changes. Screenshots of each page go to test-results/screenshots/ (not compared).

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ElementHandle } from "puppeteer";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Context } from "../../src/autograd/variable";
import { CpuBackend } from "../../src/backend/cpu";
import { trainMain } from "../../src/cli/train-main";
import { readSafetensors } from "../../src/io/safetensors";
import { exportModel } from "../../src/io/torch-file";
import { modelEntry } from "../../src/models/registry";
import { runModel } from "../../src/run/run-model";
import { torchFileToWeights } from "../../src/run/torch-weights";
import { openPage, type Session } from "../headless/browser";

const SHOTS = resolve(import.meta.dirname, "../../test-results/screenshots");
const DOWNLOADS = resolve(import.meta.dirname, "../../test-results/downloads");
let s: Session;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  s = await openPage("/");
  await s.page.setViewport({ width: 1280, height: 900 });
});

afterAll(async () => {
  await s?.close();
});

async function visit(path: string): Promise<void> {
  s.errors.length = 0;
  await s.page.goto(s.baseUrl + path, { waitUntil: "load" });
}

async function shot(name: string): Promise<void> {
  await s.page.screenshot({ path: resolve(SHOTS, `${name}.png`), fullPage: true });
}

/** The first element matching `selector` anywhere, shadow roots included. */
async function deep(selector: string): Promise<ElementHandle<Element>> {
  const h = await s.page.waitForSelector(`>>> ${selector}`, { timeout: 20_000 });
  if (!h) throw new Error(`no element matches ${selector}`);
  return h;
}

/** Replace a trainer-panel field's text the way a user does: focus, select all, type. */
async function fill(name: string, text: string): Promise<void> {
  const input = await deep(`wb-trainer-panel >>> input[name=${name}]`);
  await input.click();
  await s.page.keyboard.down("Control");
  await s.page.keyboard.press("a");
  await s.page.keyboard.up("Control");
  await s.page.keyboard.press("Backspace");
  if (text) await s.page.keyboard.type(text);
}

async function chooseBackend(value: string): Promise<void> {
  const select = await deep("wb-trainer-panel >>> select");
  await select.select(value);
}

async function clickButton(text: string): Promise<void> {
  const button = await deep(`wb-trainer-panel >>> ::-p-text(${text})`);
  await button.click();
}

async function waitState(states: string[], timeout = 90_000): Promise<void> {
  await s.page.waitForFunction((st: string[]) => st.includes(window.__wb?.state ?? ""), { timeout }, states);
}

const probe = () => s.page.evaluate(() => window.__wb!);

/** The text of `selector` in page `tag`'s shadow root ("panel …": in its trainer panel's), spaces collapsed. */
const shadow = (tag: string, selector: string) =>
  s.page.evaluate(
    (t: string, sel: string) => {
      const page = document.querySelector(t)!.shadowRoot!;
      const el = sel.startsWith("panel ")
        ? page.querySelector("wb-trainer-panel")!.shadowRoot!.querySelector(sel.slice(6))
        : page.querySelector(sel);
      return el?.textContent?.replace(/\s+/g, " ").trim() ?? "";
    },
    tag,
    selector,
  );

/** Wait (up to 20 s) for that text to match `re`. */
async function waitText(tag: string, selector: string, re: RegExp): Promise<void> {
  let text = "";
  for (let i = 0; i < 200 && !re.test(text); i++) {
    await new Promise((r) => setTimeout(r, 100));
    text = await shadow(tag, selector);
  }
  expect(text).toMatch(re);
}

/** Give the trainer panel's file input a file, as "Load weights" does. */
async function upload(path: string): Promise<void> {
  const el = (await deep("wb-trainer-panel >>> input[type=file]")) as ElementHandle<HTMLInputElement>;
  await el.uploadFile(path);
}

/** The text in page `tag`'s architecture field of model `name`. */
const archValue = (tag: string, name: string) =>
  s.page.evaluate(
    (t: string, n: string) =>
      (document.querySelector(t)!.shadowRoot!.querySelector(`input[name=arch-${n}]`) as HTMLInputElement)
        .value,
    tag,
    name,
  );

/** The loss chart's columns and how many points uPlot holds. */
async function lossChart(page: string) {
  return s.page.evaluate((tag: string) => {
    const chart = document.querySelector(tag)!.shadowRoot!.querySelector("wb-loss-chart")!;
    return { data: chart.data, rendered: chart.renderedPoints };
  }, page);
}

async function train(page: string, steps: number, extra: Record<string, string> = {}) {
  await chooseBackend("webgpu");
  await fill("steps", String(steps));
  for (const [k, v] of Object.entries(extra)) await fill(k, v);
  await clickButton("Start");
  await waitState(["done", "failed"]);
  const p = await probe();
  expect(p.failure, JSON.stringify(p.failure)).toBeNull();
  expect(p.state).toBe("done");
  expect(p.backend).toBe("webgpu");
  // A snapshot lands after the last progress message: give the page a moment to draw it.
  await s.page.waitForFunction(() => (window.__wb?.snapshots ?? 0) > 0);
  await new Promise((r) => setTimeout(r, 300));
  return { probe: p, chart: await lossChart(page) };
}

describe("pages", () => {
  test("home names the adapter and links every page", async () => {
    await visit("/");
    await s.page.waitForFunction(() => window.__adapter !== undefined);
    const adapter = await s.page.evaluate(() => window.__adapter!);
    expect(adapter.ok).toBe(true);
    expect(adapter.info?.architecture).toBe("swiftshader");
    const links = await s.page.$$eval("#pages a", (as) => as.map((a) => a.getAttribute("href")));
    expect(links).toEqual([
      "/demos/grain/",
      "/demos/experts/",
      "/demos/transformer/",
      "/demos/lm/",
      "/demos/kernels/",
      "/demos/verify/",
      "/bench/",
    ]);
    await shot("home");
    expect(s.errors).toEqual([]);
  });

  test("grain: attention trains on WebGPU, the chart fills and the loss falls; a reload resumes it", async () => {
    await visit("/demos/grain/?stage=grain-attention");
    const { probe: p, chart } = await train("wb-grain-page", 60, { seeds: "4" });
    expect(p.step).toBe(60);
    expect(p.points).toBe(60);
    expect(chart.rendered).toBe(60);
    expect(p.lastLoss!).toBeLessThan(p.firstLoss! / 2);
    const eq = await deep("wb-grain-page >>> wb-model-view >>> pre.eq");
    expect(await eq.evaluate((e) => e.textContent)).toMatch(/s1 = .*x .*z/);
    await deep("wb-grain-page >>> wb-model-view >>> wb-attention-heatmap");
    await shot("grain");
    expect(s.errors).toEqual([]);
    // The run was kept in IndexedDB: a reload shows it again, paused at its last step.
    await visit("/demos/grain/?stage=grain-attention");
    await waitState(["done"], 30_000);
    expect((await probe()).step).toBe(60);
    expect((await lossChart("wb-grain-page")).data[0]!.length).toBe(60);
  });

  test("five experts: three models train side by side", async () => {
    await visit("/demos/experts/");
    const { chart } = await train("wb-experts-page", 40, { seeds: "2" });
    // Columns: steps, three training losses, three held-out losses, and each model's shown seed (from snapshots).
    expect(chart.data.length).toBe(10);
    for (let i = 1; i <= 3; i++) {
      const col = chart.data[i] as number[];
      expect(col.length).toBe(40);
      expect(col[39]!, `model ${i}`).toBeLessThan(col[0]!);
    }
    const rows = await s.page.evaluate(
      () =>
        document.querySelector("wb-experts-page")!.shadowRoot!.querySelectorAll("table.compare tbody tr")
          .length,
    );
    expect(rows).toBe(3);
    await shot("experts");
    expect(s.errors).toEqual([]);
  });

  test("transformer: trains on WebGPU, heatmaps per layer and head", async () => {
    await visit("/demos/transformer/");
    const { probe: p } = await train("wb-transformer-page", 30, { batch: "16" });
    expect(p.points).toBe(30);
    expect(p.lastLoss!).toBeLessThan(p.firstLoss!);
    const maps = await s.page.evaluate(
      () =>
        document.querySelector("wb-transformer-page")!.shadowRoot!.querySelectorAll("wb-attention-heatmap")
          .length,
    );
    expect(maps).toBeGreaterThanOrEqual(2);
    await shot("transformer");
    expect(s.errors).toEqual([]);
  });

  test("kernels: the verification table and WebGPU, wasm and CPU timings", async () => {
    await visit("/demos/kernels/?filter=softmax/row&run&bench=quick");
    await s.page.waitForFunction(
      () => window.__verify?.state === "done" && window.__bench?.state === "done",
      {
        timeout: 120_000,
      },
    );
    const v = await s.page.evaluate(() => window.__verify!);
    expect(v.total).toBeGreaterThan(0);
    expect(v.report!.results.every((r) => r.pass)).toBe(true);
    const b = await s.page.evaluate(() => window.__bench!);
    expect(b.adapter).toMatch(/swiftshader/);
    expect(b.rows.length).toBeGreaterThanOrEqual(10);
    for (const r of b.rows) {
      expect(r.ms.webgpu).toBeGreaterThan(0);
      expect(r.ms.wasm).toBeGreaterThanOrEqual(0);
      expect(r.ms.cpu).toBeGreaterThanOrEqual(0);
    }
    // The comparison with TensorFlow.js (from the latest bench report) is plotted: points in every chart.
    const points = await s.page.evaluate(() => {
      const page = document.querySelector("wb-kernels-page")!.shadowRoot!;
      const compare = page.querySelector("wb-bench-compare")!.shadowRoot!;
      return [...compare.querySelectorAll("wb-loss-chart")].map(
        (c) => (c as unknown as { renderedPoints: number }).renderedPoints,
      );
    });
    expect(points.length).toBe(2);
    for (const n of points) expect(n).toBeGreaterThanOrEqual(4);
    await shot("kernels");
    expect(s.errors).toEqual([]);
  });
});

describe("form and failures", () => {
  test("bad values are refused at their field and nothing starts", async () => {
    await visit("/demos/grain/?stage=line");
    const cases: [string, string, RegExp][] = [
      ["lr", "", /required/],
      ["lr", "-0.1", /negative/],
      ["lr", "abc", /not a number/],
      ["steps", "NaN", /not a number/],
      ["steps", "1e12", /too large/],
      ["steps", "2.5", /whole number/],
      ["seeds", "0", /at least 1/],
    ];
    for (const [field, text, message] of cases) {
      await fill(field, text);
      await clickButton("Start");
      const msg = await deep(`wb-trainer-panel >>> input[name=${field}] ~ .msg`);
      expect(await msg.evaluate((e) => e.textContent), `${field} = "${text}"`).toMatch(message);
      const invalid = await deep(`wb-trainer-panel >>> input[name=${field}]`);
      expect(await invalid.evaluate((e) => e.getAttribute("aria-invalid"))).toBe("true");
      expect(await s.page.evaluate(() => window.__wb?.state ?? "idle")).toBe("idle");
      if (text === "1e12") await shot("grain-refused");
      // Put a good value back before the next case.
      await fill(field, field === "lr" ? "0.05" : "10");
    }
    const state = await s.page.evaluate(() => window.__wb?.state ?? "idle");
    expect(state).toBe("idle");
  });

  test("weights save to a JSON file and load back, with version and shape checks", async () => {
    rmSync(DOWNLOADS, { recursive: true, force: true });
    mkdirSync(DOWNLOADS, { recursive: true });
    const cdp = await s.page.createCDPSession();
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: DOWNLOADS });
    await visit("/demos/grain/?stage=poly");
    await fill("steps", "30");
    await clickButton("Start");
    await waitState(["done"]);
    await clickButton("Save weights");
    const name = "grain-poly-step30.json";
    for (let i = 0; i < 100 && !existsSync(resolve(DOWNLOADS, name)); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(DOWNLOADS)).toContain(name);
    const file = JSON.parse(readFileSync(resolve(DOWNLOADS, name), "utf8"));
    expect(file.format).toBe("webgpu-workbench/weights");
    expect(file.version).toBe(1);
    expect(file.runs[0].params.w0.shape).toEqual([1, 3, 1]);
    // The file carries the loss history, so a loaded run shows its curves.
    expect(file.history.train).toHaveLength(30);

    const load = async (content: unknown) => {
      const path = resolve(DOWNLOADS, "upload.json");
      writeFileSync(path, JSON.stringify(content));
      const input = (await deep("wb-trainer-panel >>> input[type=file]")) as ElementHandle<HTMLInputElement>;
      await input.uploadFile(path);
    };
    /** Wait until the panel shows a load error matching `re` (the check may happen in the worker). */
    const loadError = async (re: RegExp) => {
      let text = "";
      for (let i = 0; i < 100; i++) {
        text = await s.page.evaluate(() => {
          const panel = document
            .querySelector("wb-grain-page")!
            .shadowRoot!.querySelector("wb-trainer-panel")!;
          return panel.shadowRoot!.querySelector("p.error")?.textContent ?? "";
        });
        if (re.test(text)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(text).toMatch(re);
    };
    await clickButton("Reset");
    await waitState(["idle"]);
    await load({ ...file, version: 2 });
    await loadError(/version 2/);
    const wrong = structuredClone(file);
    wrong.runs[0].params.w0 = { shape: [1, 4, 1], data: [1, 2, 3, 4] };
    await load(wrong);
    await loadError(/shape \[1, 4, 1\].*expects \[1, 3, 1\]/);
    expect((await probe()).state).toBe("idle");
    await load(file);
    await waitState(["done"], 30_000);
    expect((await probe()).step).toBe(30);
    expect((await probe()).points).toBe(30);
    const eq = await deep("wb-grain-page >>> wb-model-view >>> pre.eq");
    expect(await eq.evaluate((e) => e.textContent)).toMatch(/^y = .*x·z/);
    expect(s.errors).toEqual([]);
  });

  test("Download for PyTorch writes a safetensors file of the best seed, which loads back; the experts page loads one of its three models from such a file", async () => {
    rmSync(DOWNLOADS, { recursive: true, force: true });
    mkdirSync(DOWNLOADS, { recursive: true });
    const cdp = await s.page.createCDPSession();
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: DOWNLOADS });
    await visit("/demos/grain/?stage=relu2");
    await fill("steps", "25");
    await fill("seeds", "2");
    await clickButton("Start");
    await waitState(["done"]);
    await clickButton("Download for PyTorch");
    const found = () => readdirSync(DOWNLOADS).find((f) => /^relu2-step25-seed[12]\.safetensors$/.test(f));
    for (let i = 0; i < 100 && !found(); i++) await new Promise((r) => setTimeout(r, 100));
    const name = found()!;
    expect(name).toBeDefined();
    const file = readSafetensors(readFileSync(resolve(DOWNLOADS, name)));
    expect(file.metadata["workbench.model"]).toBe("relu2");
    expect(file.metadata["workbench.seeds"]).toBe("best of 2 (1..2) by training loss");
    expect([...file.tensors.keys()].sort()).toEqual([
      "mlp.0.bias",
      "mlp.0.weight",
      "mlp.1.bias",
      "mlp.1.weight",
    ]);
    await clickButton("Reset");
    await waitState(["idle"]);
    const input = (await deep("wb-trainer-panel >>> input[type=file]")) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(resolve(DOWNLOADS, name));
    await waitState(["done"], 30_000);
    expect((await probe()).step).toBe(25);
    expect(s.errors).toEqual([]);

    // The experts page trains three models; a file holds one. It replaces that model's weights (in every seed)
    // and leaves the other two as they are; a file of a model the page does not train is refused by name.
    /** "Save weights", read back (the download removed, so the next one has the same name). */
    const saved = async (step: number) => {
      await clickButton("Save weights");
      const file = resolve(DOWNLOADS, `experts-experts-step${step}.json`);
      for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 200));
      const json = JSON.parse(readFileSync(file, "utf8"));
      rmSync(file);
      return Object.fromEntries(
        (json.runs as { name: string; params: Record<string, { data: number[] }> }[]).map((r) => [
          r.name,
          r.params,
        ]),
      );
    };
    // experts-relu7 of seed 9, as the export writes it; what the page should hold for it: seed 9 in both seeds.
    const cpu = new CpuBackend();
    const relu7 = modelEntry("experts-relu7").build(new Context(cpu), 9);
    const relu7Bytes = await exportModel("experts-relu7", relu7, {
      step: 50,
      seed: 9,
      choice: "1 (the only one)",
      lr: 0.05,
      dataSeed: 1,
      trainLoss: 1,
    });
    const relu7File = resolve(DOWNLOADS, "experts-relu7-seed9.safetensors");
    writeFileSync(relu7File, relu7Bytes);
    const oneSeed = torchFileToWeights(cpu, relu7Bytes, "experts-relu7").file.runs[0]!.params;
    const twoSeeds = (k: string) => [...oneSeed[k]!.data, ...oneSeed[k]!.data];

    // Settings in the link: no run kept in this browser is resumed, the page starts idle.
    await visit("/demos/experts/?backend=cpu&steps=10&seeds=2");
    await upload(resolve(DOWNLOADS, name));
    await waitText(
      "wb-experts-page",
      "panel p.error",
      new RegExp(
        `^Could not load weights: '${name}' holds weights of 'relu2', which this page does not train \\(it trains 'experts-attention', 'experts-relu7', 'experts-relu43'\\)$`,
      ),
    );
    // Nothing started (the probe appears with the first run).
    expect(await s.page.evaluate(() => window.__wb?.state ?? "idle")).toBe("idle");

    // Before any run: the other two start from their initial weights, as a run of 0 steps builds them.
    await upload(relu7File);
    await waitText(
      "wb-experts-page",
      "p.load-note",
      /^Loaded experts-relu7 from 'experts-relu7-seed9.safetensors' \(step 50 of its own training, into all 2 seeds\); experts-attention and experts-relu43 start from their initial weights \(seeds 1\.\.2\)\. The run is paused at step 0\.$/,
    );
    await waitState(["paused"]);
    const fresh = await saved(0);
    for (const k of Object.keys(oneSeed)) expect(fresh["experts-relu7"]![k]!.data).toEqual(twoSeeds(k));
    for (const m of ["experts-attention", "experts-relu43"]) {
      const r = await runModel(cpu, { model: m, steps: 0, seeds: 2, progressMs: 1e9 });
      for (const [k, p] of Object.entries(r.weights.runs[0]!.params))
        expect(fresh[m]![k]!.data).toEqual(p.data);
    }

    // After 10 steps: the other two keep their trained weights; the step stays.
    await clickButton("Reset");
    await waitState(["idle"]);
    await clickButton("Start");
    await waitState(["done"]);
    const before = await saved(10);
    await upload(relu7File);
    await waitText(
      "wb-experts-page",
      "p.load-note",
      /experts-attention and experts-relu43 keep their weights at step 10\. The run is done at step 10\.$/,
    );
    await waitState(["done"]);
    const after = await saved(10);
    for (const k of Object.keys(oneSeed)) expect(after["experts-relu7"]![k]!.data).toEqual(twoSeeds(k));
    for (const m of ["experts-attention", "experts-relu43"]) expect(after[m]).toEqual(before[m]);
    expect(after["experts-relu7"]).not.toEqual(before["experts-relu7"]);

    // A refused file leaves the run as it was.
    await upload(resolve(DOWNLOADS, name));
    await waitText(
      "wb-experts-page",
      "panel p.error",
      /holds weights of 'relu2', which this page does not train/,
    );
    const p = await probe();
    expect([p.state, p.step]).toEqual(["done", 10]);
    expect(s.errors).toEqual([]);
  });

  test("Download for PyTorch of an edited architecture writes its shapes and config; the file loads into a page showing that architecture, and the experts page refuses it for another, naming both", async () => {
    rmSync(DOWNLOADS, { recursive: true, force: true });
    mkdirSync(DOWNLOADS, { recursive: true });
    const cdp = await s.page.createCDPSession();
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: DOWNLOADS });
    const download = async (re: RegExp) => {
      const found = () => readdirSync(DOWNLOADS).find((f) => re.test(f));
      for (let i = 0; i < 100 && !found(); i++) await new Promise((r) => setTimeout(r, 100));
      const name = found();
      expect(name, `${re} in ${readdirSync(DOWNLOADS).join(", ")}`).toBeDefined();
      await new Promise((r) => setTimeout(r, 200));
      const path = resolve(DOWNLOADS, name!);
      return { name: name!, path, file: readSafetensors(readFileSync(path)) };
    };
    const shapes = (f: ReturnType<typeof readSafetensors>) =>
      Object.fromEntries([...f.tensors].map(([n, t]) => [n, t.shape]));

    // The grain page: relu2 edited to 5 hidden units, trained 20 steps, downloaded.
    await visit("/demos/grain/?stage=relu2&backend=cpu&steps=20&seeds=2");
    const input = await deep("wb-grain-page >>> input[name=arch-relu2]");
    await input.click({ count: 3 });
    await s.page.keyboard.type("5");
    await waitText("wb-grain-page", "fieldset.arch .params", /^21 parameters$/);
    await clickButton("Start");
    await waitState(["done"]);
    await clickButton("Download for PyTorch");
    const relu = await download(/^relu2-step20-seed[12]\.safetensors$/);
    expect(JSON.parse(relu.file.metadata["workbench.config"]!)).toEqual({ kind: "mlp", sizes: [2, 5, 1] });
    expect(shapes(relu.file)).toEqual({
      "mlp.0.weight": [5, 2],
      "mlp.0.bias": [5],
      "mlp.1.weight": [1, 5],
      "mlp.1.bias": [1],
    });
    // Into a page on the default 2 units: the page takes the file's 5, in its field and its link.
    await visit("/demos/grain/?stage=relu2&backend=cpu&steps=20&seeds=2");
    expect(await archValue("wb-grain-page", "relu2")).toBe("2");
    await upload(relu.path);
    await waitState(["done"], 30_000);
    expect((await probe()).step).toBe(20);
    expect(await archValue("wb-grain-page", "relu2")).toBe("5");
    expect(s.page.url()).toMatch(/arch-relu2=5/);
    await waitText("wb-grain-page", "panel .backend", /relu2: 21 parameters/);
    expect(await shadow("wb-grain-page", "p.defaults")).toMatch(/you are running ReLU 2→5→1/);
    expect(s.errors).toEqual([]);

    // The experts page with 8 attention experts: its text names the models as trained; three files.
    await visit("/demos/experts/?backend=cpu&steps=10&seeds=2&arch-experts-attention=8");
    await waitText(
      "wb-experts-page",
      "p.models",
      /^Three models train side by side on the same rows, x from 1 to 5: attention, 8 linear experts \(48 parameters\); ReLU 2→7→1 \(29\); ReLU 2→4→3→1 \(31\)\.$/,
    );
    await clickButton("Start");
    await waitState(["done"]);
    await clickButton("Download for PyTorch");
    const att = await download(/^experts-attention-step10-seed[12]\.safetensors$/);
    const relu7 = await download(/^experts-relu7-step10-seed[12]\.safetensors$/);
    expect(JSON.parse(att.file.metadata["workbench.config"]!)).toEqual({
      kind: "mixture",
      in_features: 2,
      experts: 8,
    });
    expect(shapes(att.file)).toEqual({
      "mixture.values.weight": [8, 2],
      "mixture.values.bias": [8],
      "mixture.scores.weight": [8, 2],
      "mixture.scores.bias": [8],
    });
    expect(JSON.parse(relu7.file.metadata["workbench.config"]!)).toEqual({ kind: "mlp", sizes: [2, 7, 1] });
    // A page with the default 5 experts refuses it, naming both; its text gives the default counts.
    await visit("/demos/experts/?backend=cpu&steps=10&seeds=2");
    await waitText(
      "wb-experts-page",
      "p.models",
      /: attention, 5 linear experts \(30 parameters\); ReLU 2→7→1 \(29\); ReLU 2→4→3→1 \(31\)\.$/,
    );
    await upload(att.path);
    await waitText(
      "wb-experts-page",
      "panel p.error",
      new RegExp(
        `^Could not load weights: '${att.name}' holds experts-attention as attention, 8 linear experts; this page has it as attention, 5 linear experts: set its experts to 8 to load the file$`,
      ),
    );
    expect(await s.page.evaluate(() => window.__wb?.state ?? "idle")).toBe("idle");
    // With 8 experts (a link of its own: the run trained above is not resumed) it loads; the other two start from
    // their initial weights.
    await visit("/demos/experts/?backend=cpu&steps=12&seeds=2&arch-experts-attention=8");
    await upload(att.path);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await shadow("wb-experts-page", "panel p.error")).toBe("");
    await waitText(
      "wb-experts-page",
      "p.load-note",
      new RegExp(
        `^Loaded experts-attention from '${att.name}' \\(step 10 of its own training, into all 2 seeds\\)`,
      ),
    );
    await waitState(["paused"]);
    expect(await archValue("wb-experts-page", "experts-attention")).toBe("8");
    await waitText("wb-experts-page", "panel .backend", /experts-attention: 48 parameters/);
    expect(s.errors).toEqual([]);
  });

  test("a CLI weights file of one experts model (an edited architecture) loads into that model with its step and losses, and trains on; a grain model's file is refused naming it and its page", async () => {
    mkdirSync(DOWNLOADS, { recursive: true });
    const errors: string[] = [];
    const io = { out: () => {}, err: (l: string) => errors.push(l) };
    const at = (f: string) => resolve(DOWNLOADS, f);
    const cli = (argv: string[]) => trainMain(["--backend", "cpu", ...argv], io);
    // 40 steps of experts-attention with 8 experts, as `npm run train` saves them; then the loss those weights give
    // at step 40 (one more step from the file, on the same data).
    const att = ["experts-attention", "--steps", "40", "--arch", "8", "--save", at("cli-att.json")];
    expect(await cli([...att, "--json", at("cli-att.report.json")])).toBe(0);
    expect(
      await cli([
        "experts-attention",
        "--steps",
        "1",
        "--load",
        at("cli-att.json"),
        "--json",
        at("cli-next.json"),
      ]),
    ).toBe(0);
    expect(await cli(["relu2", "--steps", "5", "--save", at("cli-relu2.json")])).toBe(0);
    expect(errors).toEqual([]);
    const report = JSON.parse(readFileSync(at("cli-att.report.json"), "utf8"));
    expect(report.params).toBe(48);
    expect(report.loss.length).toBe(40);
    const next: number = JSON.parse(readFileSync(at("cli-next.json"), "utf8")).loss[0];
    const columns = () =>
      s.page.evaluate(
        () =>
          (
            document.querySelector("wb-experts-page") as unknown as {
              training: { lossData: (number | null)[][] };
            }
          ).training.lossData,
      );

    // A page on the default 5 experts, before any run: the file's model takes its 8 experts, weights, step and
    // losses; the other two start from their initial weights.
    await visit("/demos/experts/?backend=cpu&steps=50&seeds=2");
    expect(await archValue("wb-experts-page", "experts-attention")).toBe("5");
    await upload(at("cli-att.json"));
    await waitText(
      "wb-experts-page",
      "p.load-note",
      /^Loaded experts-attention \(attention, 8 linear experts\) from 'cli-att\.json' at step 40, into all 2 seeds; the file holds no experts-relu7 or experts-relu43: they start from their initial weights \(seeds 1\.\.2\)\. The run is paused at step 40\.$/,
    );
    await waitState(["paused"], 30_000);
    expect(await shadow("wb-experts-page", "panel p.error")).toBe("");
    expect((await probe()).step).toBe(40);
    expect(await archValue("wb-experts-page", "experts-attention")).toBe("8");
    expect(await shadow("wb-experts-page", "output[for=arch-experts-attention]")).toBe("48 parameters");
    await waitText("wb-experts-page", "panel .backend", /experts-attention: 48 parameters/);
    expect(s.page.url()).toMatch(/arch-experts-attention=8/);
    const loaded = await columns();
    expect(loaded[0]).toEqual(report.loss.map((_: number, i: number) => i));
    expect(loaded[1]).toEqual(report.loss);
    for (const c of [2, 3]) expect(loaded[c]!.every((v) => v === null)).toBe(true);

    // Training goes on from the file's weights: at step 40 its loss is the CLI's for them (2 seeds, both the file's).
    await clickButton("Resume");
    await waitState(["done"]);
    expect((await probe()).step).toBe(50);
    const trained = await columns();
    const row = trained[0]!.indexOf(40);
    const got = trained[1]![row]!;
    expect(Math.abs(got - next), `${got} vs ${next}`).toBeLessThanOrEqual(1e-6 + 1e-4 * Math.abs(next));
    expect(trained[1]!.slice(0, 40)).toEqual(report.loss);
    for (const c of [2, 3]) expect(typeof trained[c]![row]).toBe("number");

    // A grain model's file: refused, naming the model and its page; the run stays as it was.
    await upload(at("cli-relu2.json"));
    await waitText(
      "wb-experts-page",
      "panel p.error",
      /^Could not load weights: these weights are of 'relu2', for the grain page, not the experts page$/,
    );
    expect(await probe()).toMatchObject({ state: "done", step: 50 });
    expect(s.errors).toEqual([]);
  });

  test("auto times webgpu and wasm on the first run, trains on the faster and remembers it", async () => {
    await visit("/demos/grain/?stage=line");
    await chooseBackend("auto");
    await fill("steps", "30");
    await clickButton("Start");
    await waitState(["done", "failed"]);
    const p = await probe();
    expect(p.failure, JSON.stringify(p.failure)).toBeNull();
    const m =
      /^auto, measured now \(remembered in this browser's IndexedDB\): webgpu ([\d.]+) ms\/step, wasm ([\d.]+) ms\/step: (webgpu|wasm)$/.exec(
        p.reason,
      );
    expect(m, p.reason).not.toBeNull();
    const [gpuMs, wasmMs, winner] = [Number(m![1]), Number(m![2]), m![3]];
    expect(winner).toBe(gpuMs < wasmMs ? "webgpu" : "wasm");
    expect(p.backend).toBe(winner);
    console.log(`auto on the grain page (line): ${p.reason}`);
    const shown = await deep("wb-grain-page >>> wb-trainer-panel");
    expect(await shown.evaluate((e) => e.shadowRoot!.textContent)).toContain(
      `Backend: ${winner} (auto, measured now`,
    );
    const keys = await s.page.evaluate(
      () =>
        new Promise<string[]>((resolve, reject) => {
          const req = indexedDB.open("webgpu-workbench", 1);
          req.onsuccess = () => {
            const get = req.result.transaction("runs").objectStore("runs").getAllKeys();
            get.onsuccess = () => resolve((get.result as string[]).filter((k) => k.startsWith("auto:")));
            get.onerror = () => reject(get.error);
          };
          req.onerror = () => reject(req.error);
        }),
    );
    expect(keys.some((k) => k.startsWith("auto:line:1:"))).toBe(true);
    expect(s.errors).toEqual([]);
  });

  test("a lost GPU device is shown, and training goes on on the CPU", async () => {
    await visit("/demos/grain/?stage=plane&lose-device=20");
    await chooseBackend("webgpu");
    await fill("steps", "80");
    await clickButton("Start");
    await waitState(["failed"], 60_000);
    const failed = await probe();
    expect(failed.failure!.message).toMatch(/lost/i);
    expect(failed.failure!.canContinueOnCpu).toBe(true);
    await shot("grain-device-lost");
    await clickButton("Continue on CPU");
    await waitState(["done"], 60_000);
    const done = await probe();
    expect(done.backend).toBe("cpu");
    expect(done.step).toBe(80);
  });

  test("a hidden tab pauses training and a visible one resumes it", async () => {
    await visit("/demos/grain/?stage=relu10");
    await chooseBackend("webgpu");
    await fill("steps", "100000");
    await clickButton("Start");
    await s.page.waitForFunction(() => window.__wb?.state === "running" && window.__wb.step > 5, {
      timeout: 30_000,
    });
    const setHidden = (hidden: boolean) =>
      s.page.evaluate((h: boolean) => {
        Object.defineProperty(document, "hidden", { configurable: true, get: () => h });
        document.dispatchEvent(new Event("visibilitychange"));
      }, hidden);
    await setHidden(true);
    await waitState(["paused"], 10_000);
    const at = (await probe()).step;
    await new Promise((r) => setTimeout(r, 500));
    expect((await probe()).step).toBe(at);
    await setHidden(false);
    await s.page.waitForFunction((n: number) => (window.__wb?.step ?? 0) > n, { timeout: 10_000 }, at);
    await clickButton("Reset");
    await waitState(["idle"], 10_000);
  });
});

describe("components", () => {
  test("property changes re-render the elements", async () => {
    await visit("/demos/grain/?stage=line");
    const r = await s.page.evaluate(async () => {
      const map = document.createElement("wb-attention-heatmap");
      document.body.append(map);
      map.weights = [[1]];
      await map.updateComplete;
      const canvas = map.shadowRoot!.querySelector("canvas")!;
      const w1 = canvas.style.width;
      map.weights = [
        [0.5, 0.5, 0],
        [0.2, 0.3, 0.5],
      ];
      map.colLabels = ["a", "b", "c"];
      await map.updateComplete;
      const w2 = canvas.style.width;

      const chart = document.createElement("wb-loss-chart");
      chart.series = [{ label: "loss" }];
      document.body.append(chart);
      await chart.updateComplete;
      chart.data = [
        [0, 1, 2],
        [3, 2, 1],
      ];
      await chart.updateComplete;
      await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
      const points = chart.renderedPoints;

      const panel = document.createElement("wb-trainer-panel");
      document.body.append(panel);
      await panel.updateComplete;
      const pause = () =>
        [...panel.shadowRoot!.querySelectorAll("button")].find((b) => b.textContent === "Pause")!;
      const before = pause().disabled;
      panel.state = "running";
      await panel.updateComplete;
      return { w1, w2, points, before, after: pause().disabled };
    });
    expect(r.w1).not.toBe(r.w2);
    expect(r.points).toBe(3);
    expect(r.before).toBe(true);
    expect(r.after).toBe(false);
  });
});
