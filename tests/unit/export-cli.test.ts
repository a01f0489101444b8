// `npm run export` and `npm run train -- --export / --load FILE.safetensors` on the CPU: the two exports of one
// training agree (a regression model's, char-gpt's), a safetensors file trains on, and bad arguments or files are
// refused with a message.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { Context } from "../../src/autograd/variable";
import { CpuBackend } from "../../src/backend/cpu";
import { exportMain, parseExportArgs } from "../../src/cli/export";
import { type Io, trainMain } from "../../src/cli/train-main";
import { readSafetensors } from "../../src/io/safetensors";
import { SAVED_JOB_VERSION, type SavedRun } from "../../src/io/types";
import { toWeightsFile } from "../../src/io/weights";
import { buildWithArch } from "../../src/models/registry";

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

  test("a page's weights file of an edited architecture exports that architecture: its config and shapes", async () => {
    const m = buildWithArch("relu2", new Context(new CpuBackend()), 1, [5]);
    const params: SavedRun["params"] = {};
    for (const [n, v] of m.namedParameters())
      params[`0.${n}`] = { shape: [...v.shape], data: await v.read() };
    const settings = { backend: "cpu", lr: 0.02, steps: 4, batch: 1, seed: 1, seeds: 1 } as const;
    const file = toWeightsFile({
      version: SAVED_JOB_VERSION,
      spec: { kind: "grain", model: "relu2", settings, arch: { relu2: [5] } },
      step: 4,
      runs: [{ name: "relu2", params, state: [], t: 0 }],
      history: { train: [], test: [] },
      savedAt: 0,
    });
    const weights = join(dir, "edited.json");
    writeFileSync(weights, JSON.stringify(file));
    const out = join(dir, "edited.safetensors");
    const io = quiet();
    expect(await exportMain(["--load", weights, "--out", out], io)).toBe(0);
    expect(io.errors).toEqual([]);
    const f = readSafetensors(readFileSync(out));
    expect(JSON.parse(f.metadata["workbench.config"]!)).toEqual({ kind: "mlp", sizes: [2, 5, 1] });
    expect(f.tensors.get("mlp.0.weight")!.shape).toEqual([5, 2]);
    expect([...f.tensors.get("mlp.1.weight")!.data]).toEqual([
      ...(await m
        .namedParameters()
        .find(([n]) => n === "mlp.1.weight")![1]
        .read()),
    ]);
  });

  test("train --arch: --save and --export give the edited transformer; --load of its safetensors continues it", async () => {
    const weights = join(dir, "tf-edited.json");
    const direct = join(dir, "tf-edited.safetensors");
    const argv = ["transformer", "--backend", "cpu", "--steps", "3", "--seeds", "2", "--arch", "8,2,2"];
    const io = quiet();
    expect(await trainMain([...argv, "--save", weights, "--export", direct], io)).toBe(0);
    expect(io.errors).toEqual([]);
    const viaFile = join(dir, "tf-edited-via-file.safetensors");
    expect(await exportMain(["--load", weights, "--out", viaFile], quiet())).toBe(0);
    const a = readSafetensors(readFileSync(direct));
    const b = readSafetensors(readFileSync(viaFile));
    for (const f of [a, b])
      expect(JSON.parse(f.metadata["workbench.config"]!)).toMatchObject({
        kind: "transformer",
        width: 8,
        heads: 2,
        layers: 2,
        hidden: 32,
      });
    expect(a.tensors.get("blocks.1.ffn.0.weight")!.shape).toEqual([32, 8]);
    for (const [n, t] of a.tensors) expect([...b.tensors.get(n)!.data]).toEqual([...t.data]);

    // The safetensors file loads back as that architecture; another --arch is refused (exit 2).
    const report = join(dir, "tf-edited-report.json");
    const io2 = quiet();
    const load = ["transformer", "--backend", "cpu", "--steps", "0", "--load", direct];
    expect(await trainMain([...load, "--json", report], io2)).toBe(0);
    expect(io2.errors).toEqual([]);
    expect(JSON.parse(readFileSync(report, "utf8")).arch).toEqual([8, 2, 2]);
    const io3 = quiet();
    expect(await trainMain([...load, "--arch", "16,4,1"], io3)).toBe(2);
    expect(io3.errors[0]).toMatch(
      /holds width 8, 2 heads, 2 layers \(8,2,2\), not width 16, 4 heads, 1 layer/,
    );
  }, 120_000);

  test("char-gpt: train --export and export --load write the same file, which --load trains on", async () => {
    const weights = join(dir, "cg.json");
    const direct = join(dir, "cg.safetensors");
    const io = quiet();
    const argv = ["char-gpt", "--dataset", "names", "--backend", "cpu", "--steps", "5"];
    const firstReport = join(dir, "cg-first.json");
    expect(await trainMain([...argv, "--save", weights, "--export", direct, "--json", firstReport], io)).toBe(
      0,
    );
    expect(io.errors).toEqual([]);
    expect(io.lines.at(-1)).toMatch(
      /^safetensors \(loss [\d.]+ nats\/char on its names sample\) written to /,
    );
    const viaFile = join(dir, "cg-via-file.safetensors");
    const io2 = quiet();
    expect(await exportMain(["--load", weights, "--out", viaFile], io2)).toBe(0);
    expect(io2.lines[0]).toMatch(
      /^export: char-gpt, step 5, seed 1 \(loss [\d.]+ nats\/char on its names sample\)/,
    );
    expect(readFileSync(viaFile)).toEqual(readFileSync(direct));
    const meta = readSafetensors(readFileSync(direct)).metadata;
    expect(meta["workbench.dataset"]).toBe("names");
    expect(meta["workbench.peak_lr"]).toBe("0.01");

    // Without --dataset or --preset, the file's corpus and shape decide; at 0 steps its loss is the run's.
    const report = join(dir, "cg-report.json");
    const io3 = quiet();
    expect(
      await trainMain(
        ["char-gpt", "--backend", "cpu", "--steps", "0", "--load", direct, "--json", report],
        io3,
      ),
    ).toBe(0);
    expect(io3.lines[0]).toBe(`train: char-gpt on names, preset tiny, 0 steps, from ${direct}`);
    const again = JSON.parse(readFileSync(report, "utf8"));
    const first = JSON.parse(readFileSync(firstReport, "utf8"));
    expect(again.config).toEqual(first.config);
    expect(again.final.valLoss).toBeCloseTo(first.final.valLoss, 5);
    const io4 = quiet();
    expect(
      await trainMain(
        ["char-gpt", "--dataset", "moby-dick", "--preset", "tiny", "--backend", "cpu", "--load", direct],
        io4,
      ),
    ).toBe(1);
    expect(io4.errors.join("\n")).toContain("trained on another vocabulary (28 characters instead of 81)");
    const io5 = quiet();
    expect(await exportMain(["--load", weights, "--out", viaFile, "--model", "relu2"], io5)).toBe(1);
    expect(io5.errors[0]).toMatch(/holds weights of 'char-gpt', not of model 'relu2'/);
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
