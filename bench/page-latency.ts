// `npm run bench:pages`: how long a learner waits on the training pages, in headless Chromium on the production
// build (`vite build`, served by `vite preview`; `--dev`: the dev server, whose modules load one by one): from the
// click on Start to the status line ("building 4 seeds …"), to the job built (the line turns to "taking step 1" or
// "compiling kernels"), to the first loss in the page's chart data and to that point drawn by the chart, per page
// (defaults) and backend (cpu, wasm, webgpu). Every measurement is a
// fresh page load; repeat r runs every page × backend once, in an order rotated by r, so load that drifts (other
// processes on the cores) spreads over all of them. Times are the page's own clock (performance.now), from the
// click dispatched inside the page. Reported, never judged: no target, exit 0 unless a measurement failed.
//
//   npm run bench:pages [-- --repeats N] [--pages grain,experts,transformer] [--backends cpu,wasm,webgpu]
//     [--dev] [--json FILE]
//
// Runs under tsx, which names nested functions (esbuild keepNames): the code run in the page is a string.

import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer";
import { build, type PreviewServer, preview } from "vite";
import { errorText, prepareOutput, writeFileAtomic } from "../src/cli/safe-files";
import { printable } from "../src/util/printable";
import { CHROMIUM_FLAGS, startServer } from "../tests/headless/browser";
import { findChromium } from "../tests/headless/chromium.mjs";
import { stats } from "./lib/harness";

const USAGE = `Usage: npm run bench:pages -- [--repeats N] [--pages LIST] [--backends LIST] [--dev] [--json FILE]

Milliseconds from Start to the status line, to the job built, to the first loss in the chart's data and to that
point drawn, on the training pages with their default settings, per backend; each measurement a fresh page load of
the production build.

  --repeats N        measurements of each page × backend (default 5)
  --pages LIST       of grain (the ReLU stage with 2 units, 4 seeds), experts, transformer (default all)
  --backends LIST    of cpu, wasm, webgpu (default all)
  --dev              measure the Vite dev server instead of the production build
  --json FILE        write the report as JSON
  --help             this text`;

const ROOT = resolve(import.meta.dirname, "..");

/** Each page at its defaults (the settings in the URL are only the backend). */
const PAGES = {
  grain: { path: "/demos/grain/?stage=relu2", element: "wb-grain-page" },
  experts: { path: "/demos/experts/?", element: "wb-experts-page" },
  transformer: { path: "/demos/transformer/?", element: "wb-transformer-page" },
} as const;
type PageName = keyof typeof PAGES;
const BACKENDS = ["cpu", "wasm", "webgpu"] as const;
type BackendName = (typeof BACKENDS)[number];

/** A page waits this long for its first drawn loss before the measurement counts as failed. */
const WAIT_MS = 180_000;

interface Options {
  repeats: number;
  pages: PageName[];
  backends: BackendName[];
  dev: boolean;
  json: string | null;
}

function usageError(message: string): never {
  console.error(
    `bench:pages: ${message}\nValid flags: --repeats N, --pages LIST, --backends LIST, --dev, --json FILE, --help`,
  );
  process.exit(2);
}

function list<T extends string>(flag: string, value: string, valid: readonly T[]): T[] {
  const items = value.split(",").filter(Boolean);
  for (const x of items)
    if (!valid.includes(x as T)) usageError(`${flag}: unknown '${printable(x)}'; valid: ${valid.join(", ")}`);
  if (!items.length) usageError(`${flag} needs at least one of ${valid.join(", ")}`);
  return items as T[];
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = {
    repeats: 5,
    pages: Object.keys(PAGES) as PageName[],
    backends: [...BACKENDS],
    dev: false,
    json: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    }
    if (arg === "--dev") {
      opts.dev = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (!["--repeats", "--pages", "--backends", "--json"].includes(name))
      usageError(`unknown argument '${arg}'`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith("--"))) usageError(`${name} needs a value`);
    if (name === "--repeats") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 100)
        usageError(`--repeats: a whole number from 1 to 100, got '${value}'`);
      opts.repeats = n;
    } else if (name === "--pages") opts.pages = list(name, value, Object.keys(PAGES) as PageName[]);
    else if (name === "--backends") opts.backends = list(name, value, BACKENDS);
    else if (value === "") usageError("--json needs a file name");
    else opts.json = value;
  }
  return opts;
}

/**
 * One measurement, in ms from the click: status line rendered, the job built (the line changes), first loss in the
 * chart's data, drawn by uPlot.
 */
interface Sample {
  statusMs: number;
  builtMs: number;
  lossMs: number;
  drawnMs: number;
  /** The status line first shown. */
  status: string;
  /** The backend the page reports training on (its "Backend: …" line). */
  backend: string;
}

// In the page: click Start, then watch (DOM mutations and every animation frame) for the three moments.
const MEASURE = `(async (tag, waitMs) => {
  const root = document.querySelector(tag).shadowRoot;
  const panel = root.querySelector("wb-trainer-panel");
  const chart = root.querySelector("wb-loss-chart");
  const t = { statusMs: null, builtMs: null, lossMs: null, drawnMs: null, status: "" };
  let t0 = 0;
  return await new Promise((resolve, reject) => {
    let done = false;
    const check = () => {
      if (done) return;
      const now = performance.now() - t0;
      const line = (panel.shadowRoot.querySelector(".status")?.textContent ?? "").trim();
      if (t.statusMs === null && line) { t.statusMs = now; t.status = line; }
      else if (t.builtMs === null && t.statusMs !== null && line !== t.status) t.builtMs = now;
      if (t.lossMs === null && (chart.data[0]?.length ?? 0) > 0) t.lossMs = now;
      if (t.drawnMs === null && chart.renderedPoints > 0) t.drawnMs = now;
      if (t.drawnMs !== null) {
        done = true;
        observer.disconnect();
        const info = panel.shadowRoot.querySelector(".backend")?.textContent ?? "";
        resolve({ ...t, backend: (/^Backend: (\\w+)/.exec(info) ?? ["", ""])[1] });
      } else if (now > waitMs) {
        done = true;
        reject(new Error("no loss drawn after " + waitMs / 1000 + " s (status: " + line + ")"));
      }
    };
    const observer = new MutationObserver(check);
    for (const r of [root, panel.shadowRoot])
      observer.observe(r, { subtree: true, childList: true, characterData: true, attributes: true });
    const frame = () => { check(); if (!done) requestAnimationFrame(frame); };
    t0 = performance.now();
    panel.shadowRoot.querySelector("button[type=submit]").click();
    requestAnimationFrame(frame);
  });
})`;

async function measure(page: Page, base: string, name: PageName, backend: BackendName): Promise<Sample> {
  const p = PAGES[name];
  await page.goto(`${base}${p.path}&backend=${backend}`, { waitUntil: "load" });
  await page.waitForSelector(`>>> ${p.element} >>> wb-trainer-panel >>> button[type=submit]`, {
    timeout: 60_000,
  });
  const s = (await page.evaluate(`${MEASURE}(${JSON.stringify(p.element)}, ${WAIT_MS})`)) as Sample;
  if (s.backend !== backend) throw new Error(`asked for ${backend}, the page trained on '${s.backend}'`);
  return s;
}

interface Row {
  page: PageName;
  backend: BackendName;
  reps: number;
  statusMs: ReturnType<typeof stats>;
  builtMs: ReturnType<typeof stats>;
  firstLossMs: ReturnType<typeof stats>;
  drawnMs: ReturnType<typeof stats>;
  /** The first measurement of the run (the browser's shader and code caches empty). */
  first: Sample;
  samples: Sample[];
}

const num = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
const cell = (s: ReturnType<typeof stats>) => `${num(s.medianMs)} (${num(s.minMs)}–${num(s.maxMs)})`;

function table(rows: Row[]): string {
  const head = [
    "page",
    "backend",
    "status line ms",
    "job built ms",
    "first loss ms",
    "drawn ms",
    "reps",
    "first run: loss ms",
  ];
  const body = rows.map((r) => [
    r.page,
    r.backend,
    cell(r.statusMs),
    cell(r.builtMs),
    cell(r.firstLossMs),
    cell(r.drawnMs),
    String(r.reps),
    num(r.first.lossMs),
  ]);
  const width = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((x, c) => (c >= 2 ? x.padStart(width[c]!) : x.padEnd(width[c]!))).join("  ");
  return [line(head), line(width.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** The workbench served: the dev server, or the production build in a temporary directory and its preview. */
async function serve(dev: boolean): Promise<{ baseUrl: string; close(): Promise<void> }> {
  if (dev) {
    const s = await startServer();
    return { baseUrl: s.baseUrl, close: () => s.server.close() };
  }
  const outDir = mkdtempSync(join(tmpdir(), "wb-pages-"));
  const configFile = resolve(ROOT, "vite.config.ts");
  let server: PreviewServer | undefined;
  try {
    await build({ root: ROOT, configFile, logLevel: "warn", build: { outDir, emptyOutDir: true } });
    server = await preview({
      root: ROOT,
      configFile,
      logLevel: "warn",
      build: { outDir },
      preview: { host: "127.0.0.1", port: 0, strictPort: false },
    });
  } catch (e) {
    rmSync(outDir, { recursive: true, force: true });
    throw e;
  }
  const url = server.resolvedUrls?.local[0];
  const close = async () => {
    await server.close();
    rmSync(outDir, { recursive: true, force: true });
  };
  if (!url) {
    await close();
    throw new Error("vite preview did not report a local URL");
  }
  return { baseUrl: url.replace(/\/$/, ""), close };
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  try {
    if (opts.json) prepareOutput(opts.json, "--json");
  } catch (e) {
    console.error(`bench:pages: ${errorText(e)}`);
    return 2;
  }
  const executablePath = findChromium();
  if (!executablePath) {
    console.error(
      "bench:pages: no Chromium found: run `node tests/headless/ensure-deps.mjs` or set CHROMIUM_PATH",
    );
    return 1;
  }
  const t0 = Date.now();
  const loadStart = loadavg()[0]!;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let browser: Browser | undefined;
  try {
    console.error(
      `bench:pages: ${opts.dev ? "starting the dev server" : "building and serving the workbench"}...`,
    );
    const s = await serve(opts.dev);
    server = s;
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      args: CHROMIUM_FLAGS,
      protocolTimeout: 0,
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(`${s.baseUrl}/`, { waitUntil: "load" });
    const adapter = (await page.evaluate(`(async () => {
      const a = await navigator.gpu?.requestAdapter();
      return a ? { vendor: a.info.vendor, architecture: a.info.architecture, description: a.info.description } : null;
    })()`)) as { vendor: string; architecture: string; description: string } | null;
    const cases = opts.pages.flatMap((p) => opts.backends.map((b) => ({ page: p, backend: b })));
    const samples = cases.map(() => [] as Sample[]);
    for (let r = 0; r < opts.repeats; r++) {
      for (let j = 0; j < cases.length; j++) {
        const k = (j + r) % cases.length;
        const c = cases[k]!;
        const m = await measure(page, s.baseUrl, c.page, c.backend);
        samples[k]!.push(m);
        console.error(
          `bench:pages [${Math.round((Date.now() - t0) / 1000)}s]: ${c.page} ${c.backend} #${r + 1}: status ` +
            `${num(m.statusMs)} ms, first loss ${num(m.lossMs)} ms, drawn ${num(m.drawnMs)} ms`,
        );
      }
    }
    const rows: Row[] = cases.map((c, k) => {
      const xs = samples[k]!;
      return {
        ...c,
        reps: xs.length,
        statusMs: stats(xs.map((x) => x.statusMs)),
        builtMs: stats(xs.map((x) => x.builtMs)),
        firstLossMs: stats(xs.map((x) => x.lossMs)),
        drawnMs: stats(xs.map((x) => x.drawnMs)),
        first: xs[0]!,
        samples: xs,
      };
    });
    const report = {
      adapter,
      chromium: await browser.version(),
      flags: CHROMIUM_FLAGS,
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? "",
      loadAverage: { start: loadStart, end: loadavg()[0]! },
      build: opts.dev ? "dev server" : "production (vite build, vite preview)",
      repeats: opts.repeats,
      seconds: Math.round((Date.now() - t0) / 1000),
      results: rows,
    };
    console.log(
      `adapter: ${adapter ? `${adapter.vendor} / ${adapter.architecture} / ${adapter.description}` : "none"}; ` +
        `${report.chromium}; ${report.build}; ${report.cores} cores (${report.cpu}); load average ${loadStart.toFixed(1)} → ` +
        `${report.loadAverage.end.toFixed(1)}; ${opts.repeats} repeats, interleaved; medians (min–max), ms from the click on Start`,
    );
    if (errors.length) console.log(`page errors:\n  ${errors.join("\n  ")}`);
    console.log(table(rows));
    if (opts.json) {
      writeFileAtomic(opts.json, `${JSON.stringify(report, null, 2)}\n`, "--json");
      console.log(`written: ${printable(resolve(opts.json))}`);
    }
    return 0;
  } catch (e) {
    console.error(`bench:pages: ${errorText(e)}`);
    return 1;
  } finally {
    await browser?.close();
    await server?.close();
  }
}

process.exitCode = await main();
