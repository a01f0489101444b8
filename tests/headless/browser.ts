// Serves the workbench with Vite on 127.0.0.1 and drives the system Chromium headless with WebGPU enabled.
// Shared by the GPU tests, `npm run verify`, the benchmarks and the headless trainer.

import { resolve } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer";
import { createServer, type ViteDevServer } from "vite";
import { findChromium } from "./chromium.mjs";

const ROOT = resolve(import.meta.dirname, "../..");

/** Flags that give a WebGPU adapter in headless Chromium, on SwiftShader when there is no GPU. */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--use-webgpu-adapter=swiftshader",
  "--enable-features=Vulkan",
  "--use-vulkan=swiftshader",
  // Long software dispatches must not trip the GPU watchdog and lose the device.
  "--disable-gpu-watchdog",
  "--disable-dev-shm-usage",
  // The machines have no general network: keep Chromium from trying to reach it.
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

export interface Session {
  server: ViteDevServer;
  browser: Browser;
  page: Page;
  baseUrl: string;
  /** Console errors and uncaught exceptions seen on the page. */
  errors: string[];
  close(): Promise<void>;
}

export async function startServer(): Promise<{ server: ViteDevServer; baseUrl: string }> {
  const server = await createServer({
    root: ROOT,
    configFile: resolve(ROOT, "vite.config.ts"),
    logLevel: "warn",
    server: { host: "127.0.0.1", port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("vite did not report a local URL");
  return { server, baseUrl: url.replace(/\/$/, "") };
}

/** `protocolTimeout`: ms any one DevTools call may take (0: no limit). */
export async function launchChromium(protocolTimeout = 0): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error("no Chromium found: run `node tests/headless/ensure-deps.mjs` or set CHROMIUM_PATH");
  }
  return puppeteer.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS, protocolTimeout });
}

/** Start the server and the browser, open `path` (e.g. "/demos/verify/?run"). */
export async function openPage(path: string, opts: { protocolTimeout?: number } = {}): Promise<Session> {
  const { server, baseUrl } = await startServer();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium(opts.protocolTimeout);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(baseUrl + path, { waitUntil: "load" });
    const b = browser;
    return {
      server,
      browser: b,
      page,
      baseUrl,
      errors,
      close: async () => {
        await b.close();
        await server.close();
      },
    };
  } catch (e) {
    await browser?.close();
    await server.close();
    throw e;
  }
}

export async function chromiumVersion(browser: Browser): Promise<string> {
  return browser.version();
}
