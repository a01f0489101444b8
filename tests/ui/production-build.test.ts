// The production build carries no test hooks: `vite build` of the pages, then a search of every emitted file for
// the fault-injection option and the probes the headless tests read. The development server keeps them (the page
// tests in this folder use them), so the search proves the guard removed them rather than that they never existed.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, test } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const out = mkdtempSync(join(tmpdir(), "wb-dist-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });

const HOOKS = ["lose-device", "loseDeviceAt", "__wb", "__adapter", "__verify", "__bench"];

test("vite build emits none of the test hooks", { timeout: 300_000 }, () => {
  execFileSync("npx", ["vite", "build", "--outDir", out, "--emptyOutDir", "--logLevel", "error"], {
    cwd: ROOT,
    stdio: "pipe",
    // Vitest runs with NODE_ENV=test, under which Vite would build in development mode: build as `npm run build` does.
    env: { ...process.env, NODE_ENV: "production" },
  });
  const emitted = files(out).filter((f) => /\.(js|html)$/.test(f));
  expect(emitted.some((f) => f.includes("worker"))).toBe(true);
  const found: string[] = [];
  for (const f of emitted) {
    const text = readFileSync(f, "utf8");
    for (const h of HOOKS) if (text.includes(h)) found.push(`${h} in ${f.slice(out.length + 1)}`);
  }
  expect(found).toEqual([]);
  // The sources do use every hook name, so the build's lack of them is the guard's doing.
  const src = ["src/ui/training-page.ts", "src/ui/training-controller.ts", "src/ui/wb-adapter-info.ts"]
    .map((f) => readFileSync(join(ROOT, f), "utf8"))
    .join("\n");
  for (const h of ["lose-device", "__wb", "__adapter"]) expect(src).toContain(h);
});
