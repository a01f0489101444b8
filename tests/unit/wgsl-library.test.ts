// The WGSL library (shaders/lib/) and how kernels use it, checked on the files themselves: a kernel never
// redefines a library function, uses a library only through its `//! use:` line and names no library it does
// not use, every library declaration serves some kernel, and every helper function is snake_case. Also the
// composition the pipeline cache compiles (kernel first, libraries after, line numbers mapped back).

import { readdirSync, readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import type { ErrorSink } from "../../src/gpu/errors";
import { PipelineCache } from "../../src/gpu/pipelines";
import { composeKernel, libraryUses, sourceLine } from "../../src/gpu/wgsl-compose";
import { WGSL_LIBRARY } from "../../src/gpu/wgsl-library";

const shaders = resolve(import.meta.dirname, "../../shaders");
const libDir = resolve(shaders, "lib");
const wgslIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".wgsl"))
    .sort();

/** Comments blanked out (line and nestable block comments), offsets kept. */
function stripComments(src: string): string {
  let out = "";
  let i = 0;
  while (i < src.length) {
    if (src.startsWith("//", i)) {
      while (i < src.length && src[i] !== "\n") {
        out += " ";
        i++;
      }
    } else if (src.startsWith("/*", i)) {
      let depth = 0;
      do {
        if (src.startsWith("/*", i) || src.startsWith("*/", i)) {
          depth += src[i] === "/" ? 1 : -1;
          out += "  ";
          i += 2;
        } else {
          out += src[i] === "\n" ? "\n" : " ";
          i++;
        }
      } while (depth > 0 && i < src.length);
    } else out += src[i++];
  }
  return out;
}

interface Scan {
  /** Module-scope declarations: name -> kind (fn, const, override, struct, alias, var). */
  declared: Map<string, string>;
  /** Identifier uses (not member names after '.', not the declaring occurrence), with their counts. */
  used: Map<string, number>;
  /** Names declared inside functions (let, var, const) and function parameters. */
  locals: Set<string>;
}

/** Module-scope declarations and identifier uses of a WGSL source. */
function scan(src: string): Scan {
  const code = stripComments(src);
  const declared = new Map<string, string>();
  const used = new Map<string, number>();
  const declaring = new Set<number>();
  let depth = 0;
  const depthAt: number[] = [];
  for (let i = 0; i < code.length; i++) {
    if (code[i] === "{") depth++;
    depthAt.push(depth);
    if (code[i] === "}") depth--;
  }
  const ident = /[A-Za-z_]\w*/g;
  for (let m = ident.exec(code); m; m = ident.exec(code)) {
    const kind = m[0];
    if (depthAt[m.index] !== 0 || !/^(fn|const|override|struct|alias|var)$/.test(kind)) continue;
    let j = m.index + kind.length;
    if (kind === "var" && code[j] === "<") j = code.indexOf(">", j) + 1;
    const name = /^\s*([A-Za-z_]\w*)/.exec(code.slice(j));
    if (!name) continue;
    declared.set(name[1]!, kind);
    declaring.add(j + name[0].length - name[1]!.length);
  }
  ident.lastIndex = 0;
  for (let m = ident.exec(code); m; m = ident.exec(code)) {
    if (declaring.has(m.index) || /\.\s*$/.test(code.slice(Math.max(0, m.index - 2), m.index))) continue;
    used.set(m[0], (used.get(m[0]) ?? 0) + 1);
  }
  const locals = new Set<string>();
  for (const m of code.matchAll(/\b(?:let|var|const)\s*(?:<[^>]*>)?\s*([A-Za-z_]\w*)/g))
    if (depthAt[m.index] !== 0) locals.add(m[1]!);
  for (const m of code.matchAll(/\bfn\s+\w+\s*\(([^)]*)\)/g))
    for (const p of m[1]!.matchAll(/([A-Za-z_]\w*)\s*:/g)) locals.add(p[1]!);
  return { declared, used, locals };
}

/** The `@group(g) @binding(b)` attributes of a WGSL source, as "g.b", in order. */
function bindings(src: string): string[] {
  const code = stripComments(src);
  return [...code.matchAll(/@group\((\d+)\)\s*@binding\((\d+)\)/g)].map((m) => `${m[1]}.${m[2]}`);
}

const libraries = new Map(
  wgslIn(libDir).map((f) => {
    const source = readFileSync(resolve(libDir, f), "utf8");
    return [basename(f, ".wgsl"), { source, ...scan(source) }] as const;
  }),
);
const kernels = new Map(
  wgslIn(shaders).map((f) => {
    const name = basename(f, ".wgsl");
    const source = readFileSync(resolve(shaders, f), "utf8");
    return [name, { source, uses: libraryUses(name, source), ...scan(source) }] as const;
  }),
);

describe("WGSL library: composition", () => {
  const library = { "lib-a": "fn a_one() {}\nfn a_two() {}", "lib-b": "const B_K: u32 = 1u;\n" };

  test("the first line names the libraries; none without it", () => {
    expect(libraryUses("k", "//! use: lib-a, lib-b\nfn main() {}")).toEqual(["lib-a", "lib-b"]);
    expect(libraryUses("k", "//!use:lib-b\n")).toEqual(["lib-b"]);
    expect(libraryUses("k", "// a kernel\nfn main() {}")).toEqual([]);
  });

  test("a misplaced, malformed or repeated directive is an error naming the kernel and line", () => {
    expect(() => libraryUses("k", "// a kernel\n//! use: lib-a\n")).toThrow(
      "k: line 2: a '//!' directive must be the first line",
    );
    expect(() => libraryUses("k", "//! uses lib-a\n")).toThrow("k: line 1: expected '//! use:");
    expect(() => libraryUses("k", "//! use: lib-a, Lib_B\n")).toThrow("'Lib_B' is not a library name");
    expect(() => libraryUses("k", "//! use: lib-a, lib-a\n")).toThrow("library 'lib-a' is named twice");
  });

  test("the module is the kernel, then its libraries in order, kernel line numbers unchanged", () => {
    const kernel = { name: "k", code: "//! use: lib-b, lib-a\nfn main() {\n}\n" };
    const c = composeKernel(kernel, library);
    expect(c.code).toBe(`${kernel.code}\n${library["lib-b"]}\n${library["lib-a"]}`);
    expect(c.code.startsWith(kernel.code)).toBe(true);
    expect(c.key).toBe("k+lib-b+lib-a");
    expect(c.libraries).toEqual(["lib-b", "lib-a"]);
    const lines = c.code.split("\n");
    expect(lines.slice(0, 3)).toEqual(kernel.code.split("\n").slice(0, 3));
    // Every line of the module maps back to the same text in its own file.
    const files: Record<string, string> = { k: kernel.code, "lib/lib-a.wgsl": library["lib-a"] };
    files["lib/lib-b.wgsl"] = library["lib-b"];
    lines.forEach((text, i) => {
      const at = sourceLine(c, i + 1);
      expect(files[at.file]!.split("\n")[at.line - 1], `module line ${i + 1}`).toBe(text);
    });
    expect(sourceLine(c, 2)).toEqual({ file: "k", line: 2 });
    expect(sourceLine(c, 5)).toEqual({ file: "lib/lib-b.wgsl", line: 1 });
    expect(sourceLine(c, 7)).toEqual({ file: "lib/lib-a.wgsl", line: 1 });
  });

  test("a kernel without the line compiles as written, keyed by its name", () => {
    const c = composeKernel({ name: "plain", code: "fn main() {}" }, library);
    expect(c).toMatchObject({ key: "plain", code: "fn main() {}", libraries: [] });
  });

  test("an unknown library is an error naming the kernel, the library and the known ones", () => {
    expect(() => composeKernel({ name: "k", code: "//! use: lib-c\n" }, library)).toThrow(
      "k: unknown WGSL library 'lib-c' (known: lib-a, lib-b)",
    );
  });

  test("the pipeline cache compiles the composed module, keyed by name and library list", async () => {
    const compiled: { label: string; code: string }[] = [];
    const device = {
      pushErrorScope() {},
      popErrorScope: () => Promise.resolve(null),
      createShaderModule(d: { label: string; code: string }) {
        compiled.push(d);
        const lineNum = d.code.split("\n").indexOf("fn a_two() {}") + 1;
        return {
          getCompilationInfo: async () => ({
            messages: [
              { type: "warning", lineNum: 2, linePos: 1, message: "in the kernel" },
              { type: "error", lineNum, linePos: 4, message: "in lib-a" },
            ],
          }),
        };
      },
      createComputePipeline: (d: object) => d,
    } as unknown as GPUDevice;
    const errors = { scoped: (_d: GPUDevice, _k: string, fn: () => unknown) => fn() } as ErrorSink;
    const cache = new PipelineCache(device, errors, library);
    const k1 = { name: "k", code: "//! use: lib-b, lib-a\nfn main() {}\n" };
    cache.get(k1, { X: 1 });
    cache.get(k1, { X: 2 });
    expect(compiled).toEqual([{ label: "k", code: composeKernel(k1, library).code }]);
    expect(await cache.messages("k")).toEqual([
      "warning 2:1 in the kernel",
      "error lib/lib-a.wgsl:2:4 in lib-a",
    ]);
    // The same name with another library list is another module.
    cache.get({ name: "k", code: "//! use: lib-a\nfn main() {}\n" });
    expect(compiled.map((c) => c.code)).toEqual([
      composeKernel(k1, library).code,
      `//! use: lib-a\nfn main() {}\n\n${library["lib-a"]}`,
    ]);
    expect(await cache.messages("unknown")).toEqual([]);
  });
});

describe("WGSL library: the files", () => {
  test("there is a library and kernels that use it", () => {
    expect(libraries.size).toBeGreaterThan(0);
    expect([...kernels.values()].some((k) => k.uses.length > 0)).toBe(true);
  });

  test("src/gpu/wgsl-library.ts holds every library file, under its own name, by an explicit import", () => {
    expect(Object.keys(WGSL_LIBRARY).sort()).toEqual([...libraries.keys()]);
    for (const [name, lib] of libraries) expect(WGSL_LIBRARY[name], name).toBe(lib.source);
    const index = readFileSync(resolve(import.meta.dirname, "../../src/gpu/wgsl-library.ts"), "utf8");
    const imports = [
      ...index.matchAll(/^import \w+ from "\.\.\/\.\.\/shaders\/lib\/([\w-]+)\.wgsl\?raw";$/gm),
    ];
    expect(imports.map((m) => m[1]).sort()).toEqual([...libraries.keys()]);
  });

  test("library files declare no libraries of their own", () => {
    for (const [name, lib] of libraries) expect(libraryUses(name, lib.source), name).toEqual([]);
  });

  test("every library a kernel names exists", () => {
    const missing = [...kernels].flatMap(([k, v]) =>
      v.uses.filter((u) => !libraries.has(u)).map((u) => `${k}: ${u}`),
    );
    expect(missing).toEqual([]);
  });

  test("library declarations are unique across the library", () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const [name, lib] of libraries)
      for (const d of lib.declared.keys()) {
        const other = owner.get(d);
        if (other) clashes.push(`${d}: lib/${other}.wgsl and lib/${name}.wgsl`);
        owner.set(d, name);
      }
    expect(clashes).toEqual([]);
  });

  test("no kernel redefines a library function, nor any declaration of a library it uses", () => {
    const found: string[] = [];
    for (const [k, kernel] of kernels)
      for (const [l, lib] of libraries)
        for (const [d, kind] of lib.declared) {
          if (!kernel.declared.has(d)) continue;
          if (kind === "fn" || kernel.uses.includes(l))
            found.push(`${k}.wgsl redefines ${kind} ${d} of lib/${l}.wgsl`);
        }
    expect(found).toEqual([]);
  });

  // A name the kernel declares inside a function (a local `k`, a parameter `v`) is its own, not the library's.
  test("a kernel uses library declarations only from libraries its first line names", () => {
    const found: string[] = [];
    for (const [k, kernel] of kernels)
      for (const [l, lib] of libraries) {
        if (kernel.uses.includes(l)) continue;
        for (const d of lib.declared.keys())
          if (kernel.used.has(d) && !kernel.declared.has(d) && !kernel.locals.has(d))
            found.push(`${k}.wgsl uses ${d} of lib/${l}.wgsl without '//! use: ${l}'`);
      }
    expect(found).toEqual([]);
  });

  test("a kernel names only libraries it uses", () => {
    const found: string[] = [];
    for (const [k, kernel] of kernels)
      for (const l of kernel.uses) {
        const lib = libraries.get(l);
        if (lib && ![...lib.declared.keys()].some((d) => kernel.used.has(d)))
          found.push(`${k}.wgsl names lib/${l}.wgsl but uses none of it`);
      }
    expect(found).toEqual([]);
  });

  test("every library declaration is used by a kernel, directly or through its own library", () => {
    const unused: string[] = [];
    for (const [l, lib] of libraries)
      for (const d of lib.declared.keys()) {
        const byKernel = [...kernels.values()].some((k) => k.uses.includes(l) && k.used.has(d));
        if (!byKernel && !lib.used.has(d)) unused.push(`lib/${l}.wgsl: ${d}`);
      }
    expect(unused).toEqual([]);
  });

  test("only a '-bindings' library declares bindings, and it declares nothing else", () => {
    const found: string[] = [];
    for (const [name, lib] of libraries) {
      const own = bindings(lib.source);
      if (!name.endsWith("-bindings")) {
        if (own.length > 0) found.push(`lib/${name}.wgsl declares bindings but is not named '-bindings'`);
        continue;
      }
      const other = [...lib.declared].filter(([, kind]) => kind !== "var").map(([d]) => d);
      if (other.length > 0) found.push(`lib/${name}.wgsl declares ${other.join(", ")} beside its bindings`);
      if (own.length !== lib.declared.size) found.push(`lib/${name}.wgsl has a var without a binding`);
      const expected = own.map((_, i) => `0.${i}`);
      if (own.join() !== expected.join())
        found.push(
          `lib/${name}.wgsl binds ${own.join(" ")}, not group 0 from binding 0 on (${expected.join(" ")})`,
        );
    }
    expect(found).toEqual([]);
  });

  test("a kernel's module binds group 0 from 0 on without gaps, never a binding of a library it uses", () => {
    const found: string[] = [];
    for (const [k, kernel] of kernels) {
      const fromLibs = kernel.uses.flatMap((l) => bindings(libraries.get(l)?.source ?? ""));
      const own = bindings(kernel.source);
      for (const b of own)
        if (fromLibs.includes(b)) found.push(`${k}.wgsl redeclares binding ${b} of a library`);
      // A binding number may stand twice in a kernel (views of one buffer for different entry points: permute).
      const all = [...new Set([...fromLibs, ...own])].sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
      const expected = all.map((_, i) => `0.${i}`);
      if (all.join() !== expected.join()) found.push(`${k}.wgsl binds ${all.join(" ")}`);
    }
    expect(found).toEqual([]);
  });

  test("helper functions are snake_case (shaders/README.md)", () => {
    const wrong: string[] = [];
    const files = [...kernels, ...[...libraries].map(([n, l]) => [`lib/${n}`, l] as const)];
    for (const [file, f] of files)
      for (const [d, kind] of f.declared)
        if (kind === "fn" && !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(d)) wrong.push(`${file}.wgsl: fn ${d}`);
    expect(wrong).toEqual([]);
  });
});

describe("WGSL library: the checks themselves", () => {
  test("the scanner finds module-scope declarations and uses, not members or locals", () => {
    const s = scan(`
// fn commented() {}
const K: u32 = 4u;
@group(0) @binding(0) var<storage, read> buf: array<f32>;
struct P { scale: f32 }
fn helper(x: f32) -> f32 { let local = x * K; return local; }
fn main() { var p = P(1.0); buf[0] = helper(p.scale); }`);
    expect([...s.declared]).toEqual([
      ["K", "const"],
      ["buf", "var"],
      ["P", "struct"],
      ["helper", "fn"],
      ["main", "fn"],
    ]);
    expect(s.used.get("helper")).toBe(1);
    expect(s.used.get("K")).toBe(1);
    expect(s.used.has("commented")).toBe(false);
    expect(s.used.get("scale")).toBe(1); // the field declaration; p.scale is a member access
    expect([...s.locals].sort()).toEqual(["local", "p", "x"]);
  });

  test("the binding scanner reads group and binding numbers, not commented-out ones", () => {
    const src = `@group(0) @binding(0) var<storage, read> a: array<f32>;
// @group(0) @binding(7) var<storage, read> old: array<f32>;
@group(1)  @binding(12) var<uniform> p: P;`;
    expect(bindings(src)).toEqual(["0.0", "1.12"]);
  });
});
