import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";
import { relaxedSimdSupported } from "./src/wasm/relaxed.ts";

// Every demos/<name>/index.html is a page of the workbench, next to the home page and the benchmarks page.
const pages: Record<string, string> = {
  home: resolve(import.meta.dirname, "index.html"),
  bench: resolve(import.meta.dirname, "bench/index.html"),
};
for (const name of readdirSync(resolve(import.meta.dirname, "demos"))) {
  const html = resolve(import.meta.dirname, "demos", name, "index.html");
  if (existsSync(html)) pages[name] = html;
}

// Cross-origin isolation (COOP + COEP), so pages may share a WebAssembly.Memory with workers
// (SharedArrayBuffer): the wasm engine's thread pool needs it. Every page loads only same-origin resources.
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  server: { host: "127.0.0.1", strictPort: false, headers: isolation },
  preview: { headers: isolation },
  build: { target: "es2022", rollupOptions: { input: pages } },
  worker: { format: "es" },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
    // GPU suites drive headless Chromium on a software adapter: minutes, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Each GPU suite owns a browser; running two at once on two cores only slows both.
    fileParallelism: false,
    // Node 20 has relaxed SIMD behind a flag: on, so the tests run the wasm engine's relaxed-SIMD build (the one
    // browsers load) as well as the plain one.
    execArgv: relaxedSimdSupported() ? [] : ["--experimental-wasm-relaxed-simd"],
  },
});
