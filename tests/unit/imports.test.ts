// The layering of src/, read from the import lines of every src/**/*.ts file: each folder imports only from the
// folders above it in the README's layout list, nothing outside src/ui (and the demos) imports from src/ui, and
// no file reaches itself through its imports (no cycle).

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const SRC = join(ROOT, "src");

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** Relative specifiers of every `import … from "…"`, `export … from "…"` and bare `import "…"` in `text`. */
export function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s+(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/g;
  for (const m of text.matchAll(re)) out.push(m[1]!);
  return out;
}

/** The src/ file an import resolves to (relative specifiers only; `?raw` and non-TS files are left out). */
function resolveImport(from: string, spec: string, files: Set<string>): string | null {
  if (!spec.startsWith(".")) return null;
  const base = resolve(dirname(from), spec.split("?")[0]!);
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")])
    if (files.has(candidate)) return candidate;
  return null;
}

const files = tsFiles(SRC);
const fileSet = new Set(files);
const graph = new Map<string, string[]>(
  files.map((f) => [
    f,
    importSpecifiers(readFileSync(f, "utf8"))
      .map((s) => resolveImport(f, s, fileSet))
      .filter((t): t is string => t !== null),
  ]),
);
const rel = (f: string) => relative(ROOT, f);

describe("src/ layering", () => {
  test("the import scanner sees every kind of import line", () => {
    const text = [
      'import { a } from "./a";',
      'import type { B } from "../b";',
      'import "./side-effect";',
      "import {\n  c,\n  d,\n} from './multi';",
      'export { e } from "./e";',
      'import code from "../../shaders/x.wgsl?raw";',
    ].join("\n");
    expect(importSpecifiers(text)).toEqual([
      "./a",
      "../b",
      "./side-effect",
      "./multi",
      "./e",
      "../../shaders/x.wgsl?raw",
    ]);
  });

  test("nothing outside src/ui imports from src/ui", () => {
    const ui = join(SRC, "ui");
    const offenders = [...graph].flatMap(([f, targets]) =>
      f.startsWith(`${ui}/`)
        ? []
        : targets.filter((t) => t.startsWith(`${ui}/`)).map((t) => `${rel(f)} → ${rel(t)}`),
    );
    expect(offenders).toEqual([]);
  });

  test("no import cycle among src/ files", () => {
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") {
        cycles.push([...path.slice(path.indexOf(f)), f].map(rel).join(" → "));
        return;
      }
      state.set(f, "open");
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, "done");
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  test("each folder imports only from folders above it in the README's layout list", () => {
    // The list, read from the README's layout block (the lines that start with a folder name).
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const block = readme.slice(readme.indexOf("## How it is built"));
    const layout = block.slice(block.indexOf("```") + 3, block.indexOf("```", block.indexOf("```") + 3));
    const order = [...layout.matchAll(/^(\S+?)\/?\s/gm)].map((m) => m[1]!.replace(/\/<page>$/, ""));
    expect(order.slice(0, 3)).toEqual(["src/util", "shaders", "src/gpu"]);
    const folderOf = (f: string) => {
      const r = rel(f);
      return order.filter((o) => r === o || r.startsWith(`${o}/`)).sort((a, b) => b.length - a.length)[0];
    };
    // Stated in the README: the verification cases of an op drive a whole backend, so they (and the list of them)
    // may name the contract's types.
    const allowed = (from: string, to: string) =>
      /^src\/kernels\/(case|index|[^/]+\/(edge-)?cases)\.ts$/.test(rel(from)) &&
      rel(to) === "src/backend/contract.ts";
    const offenders: string[] = [];
    for (const [f, targets] of graph) {
      const a = folderOf(f);
      if (a === undefined) {
        offenders.push(`${rel(f)}: its folder is not in the README's layout list`);
        continue;
      }
      for (const t of targets) {
        const b = folderOf(t);
        if (b !== undefined && order.indexOf(b) > order.indexOf(a) && !allowed(f, t))
          offenders.push(`${rel(f)} (${a}) → ${rel(t)} (${b})`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
