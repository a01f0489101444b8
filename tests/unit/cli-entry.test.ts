// The command-line tools as a user runs them: `tsx src/cli/*.ts` in Node, where nothing may import WGSL (tsx cannot
// load `?raw` shader imports). The other CLI tests call the mains inside vitest, which can, so they cannot see that.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, test } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

function tsx(script: string, args: string[]): string {
  return execFileSync("npx", ["tsx", script, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
}

test("npm run train's entry prints its help and trains on the CPU in Node", { timeout: 240_000 }, () => {
  expect(tsx("src/cli/train.ts", ["--help"])).toMatch(/^Usage: npm run train -- MODEL/);
  const json = join(mkdtempSync(join(tmpdir(), "wb-cli-")), "line.json");
  const out = tsx("src/cli/train.ts", ["line", "--backend", "cpu", "--steps", "20", "--json", json]);
  expect(out).toMatch(/backend: cpu/);
  const report = JSON.parse(readFileSync(json, "utf8"));
  expect(report.model).toBe("line");
  expect(report.loss).toHaveLength(20);
});

test("npm run sample's and npm run export's entries start in Node", { timeout: 240_000 }, () => {
  for (const script of ["src/cli/sample.ts", "src/cli/export-main.ts"]) {
    let message = "";
    try {
      tsx(script, []);
    } catch (e) {
      // With no arguments each refuses with a usage line (exit 2), not a module-loading crash.
      const err = e as { status: number; stderr: string; stdout: string };
      message = `${err.stdout}${err.stderr}`;
      expect(err.status, message).toBe(2);
    }
    expect(message).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|Cannot find module/);
  }
});
