// Outputs of the command-line tools are written whole and checked first: an unwritable path fails before any
// training, naming the path, in one line; each output is written on its own, so a failing --json does not keep
// --save from being written; a good file is never replaced by a half-written one.

import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { exportMain } from "../../src/cli/export";
import { type Io, trainMain } from "../../src/cli/train-main";
import { parseWeightsFile } from "../../src/io/weights";

const ROOT = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "outputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function quiet(onOut?: (line: string) => void): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (l) => {
      lines.push(l);
      onOut?.(l);
    },
    err: (l) => errors.push(l),
  };
}

const trained = (io: { lines: string[] }) => io.lines.some((l) => /^step +\d+\/\d+/.test(l));

describe("train: every output path is checked before training starts", () => {
  const bad: [string, string, RegExp][] = [
    ["--json", dir, /--json .*: is a folder, not a file/],
    [
      "--save",
      "/proc/self/nope.json",
      /--save \/proc\/self\/nope.json: cannot (write there|create its folder)/,
    ],
    ["--export", "/dev/full", /--export \/dev\/full: not a regular file/],
    ["--json", "/dev/null/x.json", /--json \/dev\/null\/x.json: cannot create its folder/],
  ];
  for (const [flag, path, message] of bad) {
    test(`${flag} ${path}`, async () => {
      const io = quiet();
      expect(await trainMain(["line", "--backend", "cpu", "--steps", "20", flag, path], io)).toBe(2);
      expect(io.errors).toHaveLength(1);
      expect(io.errors[0]).toMatch(message);
      expect(io.errors[0]).not.toMatch(/\n/); // one line, no stack trace
      expect(trained(io)).toBe(false);
    });
  }
});

describe("train: each output is written on its own, whole", () => {
  test("a --json that fails at the end does not stop --save and --export; the failure is reported, exit 1", async () => {
    const json = join(dir, "report.json");
    const save = join(dir, "weights.json");
    const exp = join(dir, "weights.safetensors");
    // Passes the check before training, then becomes a folder while training runs: the rename over it fails.
    const io = quiet((line) => {
      if (/^step/.test(line) && !existsSync(json)) mkdirSync(json);
    });
    const argv = [
      "line",
      "--backend",
      "cpu",
      "--steps",
      "30",
      "--json",
      json,
      "--save",
      save,
      "--export",
      exp,
    ];
    expect(await trainMain(argv, io)).toBe(1);
    expect(trained(io)).toBe(true);
    expect(io.errors).toHaveLength(1);
    expect(io.errors[0]).toMatch(
      /--json .*report.json: not written \(is a folder\); any previous file is unchanged/,
    );
    expect(parseWeightsFile(readFileSync(save, "utf8"), "grain").step).toBe(30);
    expect(readFileSync(exp).length).toBeGreaterThan(8);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("a second run replaces a good file whole; missing folders are created", async () => {
    const save = join(dir, "sub", "deeper", "w.json");
    expect(await trainMain(["line", "--backend", "cpu", "--steps", "5", "--save", save], quiet())).toBe(0);
    expect(await trainMain(["line", "--backend", "cpu", "--steps", "7", "--save", save], quiet())).toBe(0);
    expect(parseWeightsFile(readFileSync(save, "utf8"), "grain").step).toBe(7);
    expect(readdirSync(join(dir, "sub", "deeper"))).toEqual(["w.json"]);
  });
});

describe("export: --out checked before reading, written whole", () => {
  test("an unwritable --out fails first, naming it; a good --out is written atomically", async () => {
    const save = join(dir, "for-export.json");
    expect(await trainMain(["line", "--backend", "cpu", "--steps", "5", "--save", save], quiet())).toBe(0);
    const io = quiet();
    expect(await exportMain(["--load", save, "--out", dir], io)).toBe(2);
    expect(io.errors[0]).toMatch(/--out .*: is a folder/);
    const out = join(dir, "line.safetensors");
    writeFileSync(out, "an older export");
    expect(await exportMain(["--load", save, "--out", out], quiet())).toBe(0);
    expect(readFileSync(out).length).toBeGreaterThan(100);
    const io2 = quiet();
    expect(await exportMain(["--load", "/dev/zero", "--out", out], io2)).toBe(1);
    expect(io2.errors[0]).toMatch(/--load \/dev\/zero: not a regular file/);
    expect(readFileSync(out).length).toBeGreaterThan(100); // untouched
  });
});

describe("verify and bench check their outputs before starting Chromium", () => {
  const run = (script: string, args: string[]) => {
    try {
      execFileSync("npx", ["tsx", script, ...args], { cwd: ROOT, stdio: "pipe", timeout: 60_000 });
      return { code: 0, stderr: "" };
    } catch (e) {
      const err = e as { status: number; stderr: Buffer };
      return { code: err.status, stderr: err.stderr.toString() };
    }
  };
  test("verify --json into a folder", () => {
    const r = run("src/cli/verify.ts", ["--json", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^verify: --json .*: is a folder, not a file$/);
  });
  test("bench --markdown into /proc", () => {
    const r = run("bench/run.ts", ["--markdown", "/proc/self/x.md"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^bench: --markdown \/proc\/self\/x.md: cannot/);
  });
});
