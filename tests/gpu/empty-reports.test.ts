// `npm run verify` and `npm run bench` with a filter that matches nothing: they exit non-zero and leave the reports
// already on disk as they were, instead of replacing good reports with empty ones. Runs both CLIs end to end
// (Vite and headless Chromium), as a user would.

import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, test } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "empty-reports-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)("npx", ["tsx", ...args], { cwd: ROOT, timeout: 180_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

test("verify --filter matching nothing keeps the previous --json report", { timeout: 200_000 }, async () => {
  const json = join(dir, "verify.json");
  writeFileSync(json, '{"a good": "report"}\n');
  const r = await run(["src/cli/verify.ts", "--filter", "no-such-kernel-zz", "--json", json]);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/no case id contains 'no-such-kernel-zz'/);
  expect(r.stderr).toMatch(/--json .*verify.json not written: no case ran/);
  expect(readFileSync(json, "utf8")).toBe('{"a good": "report"}\n');
});

test("bench --filter matching nothing keeps the previous --json and --markdown", {
  timeout: 200_000,
}, async () => {
  const json = join(dir, "bench.json");
  const md = join(dir, "bench.md");
  writeFileSync(json, "{}\n");
  writeFileSync(md, "| a | good | table |\n");
  const r = await run(["bench/run.ts", "--filter", "no-such-case-zz", "--json", json, "--markdown", md]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/--json .*bench.json not written: no benchmark result/);
  expect(r.stderr).toMatch(/--markdown .*bench.md not written/);
  expect(readFileSync(json, "utf8")).toBe("{}\n");
  expect(readFileSync(md, "utf8")).toBe("| a | good | table |\n");
  expect(readdirSync(dir).sort()).toEqual(["bench.json", "bench.md", "verify.json"]);
});
