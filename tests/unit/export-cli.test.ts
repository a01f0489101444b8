// `npm run export` and `npm run train -- --export / --load FILE.safetensors` on the CPU: the two exports of one
// training agree, a safetensors file trains on, and bad arguments or files are refused with a message.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { exportMain, parseExportArgs } from "../../src/cli/export";
import { type Io, trainMain } from "../../src/cli/train-main";
import { readSafetensors } from "../../src/io/safetensors";

const dir = mkdtempSync(join(tmpdir(), "export-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function quiet(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe("npm run export", () => {
  test("train --export and export --load give the same file contents: the best seed", async () => {
    const weights = join(dir, "w.json");
    const direct = join(dir, "direct.safetensors");
    const io = quiet();
    const code = await trainMain(
      ["relu10", "--backend", "cpu", "--steps", "30", "--seeds", "3", "--save", weights, "--export", direct],
      io,
    );
    expect(io.errors).toEqual([]);
    expect(code).toBe(0);
    const report = io.lines.find((l) => l.startsWith("safetensors (seed "))!;
    expect(report).toBeDefined();

    const viaFile = join(dir, "via-file.safetensors");
    const io2 = quiet();
    expect(await exportMain(["--load", weights, "--out", viaFile], io2)).toBe(0);
    expect(io2.lines[0]).toMatch(/^export: relu10, step 30, seed \d of 3/);
    const a = readSafetensors(readFileSync(direct));
    const b = readSafetensors(readFileSync(viaFile));
    expect(b.metadata["workbench.seed"]).toBe(a.metadata["workbench.seed"]);
    expect(report).toContain(`seed ${a.metadata["workbench.seed"]})`);
    for (const [n, t] of a.tensors) expect([...b.tensors.get(n)!.data]).toEqual([...t.data]);

    // --seed picks another one; the file then says it was chosen.
    const other = a.metadata["workbench.seed"] === "1" ? "2" : "1";
    const picked = join(dir, "picked.safetensors");
    expect(await exportMain(["--load", weights, "--out", picked, "--seed", other], quiet())).toBe(0);
    expect(readSafetensors(readFileSync(picked)).metadata["workbench.seeds"]).toMatch(/as chosen/);

    // The safetensors file loads back into the trainer and trains on.
    const io3 = quiet();
    expect(await trainMain(["relu10", "--backend", "cpu", "--steps", "5", "--load", direct], io3)).toBe(0);
    expect(io3.errors).toEqual([]);
    const io4 = quiet();
    expect(await trainMain(["relu2", "--backend", "cpu", "--steps", "5", "--load", direct], io4)).toBe(1);
    expect(io4.errors.join("\n")).toMatch(/weights of model 'relu10', not of model 'relu2'/);
  }, 120_000);

  test("bad arguments and bad files", async () => {
    expect(parseExportArgs(["--out", "x.safetensors"])).toEqual({ error: "--load WEIGHTS.json is required" });
    expect(parseExportArgs(["--load", "w.json"])).toEqual({ error: "--out FILE.safetensors is required" });
    expect(parseExportArgs(["--load", "w", "--out", "o", "--model", "nope"])).toMatchObject({
      error: expect.stringMatching(/unknown model 'nope'/),
    });
    expect(parseExportArgs(["--load", "w", "--out", "o", "--seed", "-1"])).toMatchObject({
      error: expect.stringMatching(/--seed must be a non-negative integer/),
    });
    expect(parseExportArgs(["--frob"])).toEqual({ error: "unknown argument '--frob'" });
    const io = quiet();
    expect(
      await exportMain(["--load", join(dir, "none.json"), "--out", join(dir, "o.safetensors")], io),
    ).toBe(1);
    expect(io.errors[0]).toMatch(/no such file or folder/);
    const notJson = join(dir, "bad.json");
    writeFileSync(notJson, "{");
    const io2 = quiet();
    expect(await exportMain(["--load", notJson, "--out", join(dir, "o.safetensors")], io2)).toBe(1);
    expect(io2.errors[0]).toMatch(/not a JSON file/);
    const io3 = quiet();
    expect(await exportMain(["--help"], io3)).toBe(0);
    expect(io3.lines[0]).toMatch(/^Usage: npm run export/);
  });
});
