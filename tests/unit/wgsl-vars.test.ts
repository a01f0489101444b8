// Every function-scope WGSL `var` must have an explicit initializer.
//
// WGSL zero-initialises a function-scope `var` declared without one, every time the declaration executes. Chromium
// 156 + SwiftShader does not: a `var acc: f32;` inside a loop body keeps the previous iteration's value, which
// silently gave wrong attention output (see shared/webgpu-here.md; naga had the same bug). Writing
// `var acc: f32 = 0.0;` or `var s = array<vec4f, 4>();` is correct everywhere, so the rule is enforced statically.
// Module-scope declarations (var<storage>, var<uniform>, var<workgroup>, var<private>, resources) are exempt:
// their contents come from bindings or are zeroed once per dispatch, not per loop iteration.

import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, test } from "vitest";

interface VarFinding {
  line: number;
  name: string;
  text: string;
}

/** Blank out comments (line and nestable block comments), keeping offsets and newlines. */
function stripComments(src: string): string {
  const out = src.split("");
  let i = 0;
  while (i < src.length) {
    if (src.startsWith("//", i)) {
      while (i < src.length && src[i] !== "\n") out[i++] = " ";
    } else if (src.startsWith("/*", i)) {
      let depth = 0;
      do {
        if (src.startsWith("/*", i)) {
          depth++;
          out[i++] = " ";
          out[i++] = " ";
        } else if (src.startsWith("*/", i)) {
          depth--;
          out[i++] = " ";
          out[i++] = " ";
        } else {
          if (src[i] !== "\n") out[i] = " ";
          i++;
        }
      } while (depth > 0 && i < src.length);
    } else i++;
  }
  return out.join("");
}

/** Function-scope `var` declarations without `= initializer` (brace depth > 0 means inside a function body). */
function uninitialisedVars(src: string): VarFinding[] {
  const code = stripComments(src);
  const found: VarFinding[] = [];
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (ch === "{") depth++;
    else if (ch === "}") depth--;
    else if (
      depth > 0 &&
      ch === "v" &&
      /^var\b/.test(code.slice(i, i + 4)) &&
      !/\w/.test(code[i - 1] ?? "")
    ) {
      // The declaration runs to the next ';' (types never contain ';' or '='; an initializer always has '=').
      const end = code.indexOf(";", i);
      const decl = code.slice(i, end < 0 ? code.length : end);
      if (!decl.includes("=")) {
        const name = /^var(?:<[^>]*>)?\s+(\w+)/.exec(decl)?.[1] ?? "?";
        const line = code.slice(0, i).split("\n").length;
        found.push({ line, name, text: decl.replace(/\s+/g, " ").trim() });
      }
    }
  }
  return found;
}

describe("WGSL: function-scope var without initializer", () => {
  test("the scanner catches `var x: f32;` in a loop and accepts initialised ones", () => {
    const bad = `
fn main() {
  for (var i: u32 = 0u; i < 4u; i++) {
    var x: f32;
    x += 1.0;
  }
}`;
    expect(uninitialisedVars(bad)).toEqual([{ line: 4, name: "x", text: "var x: f32" }]);
    const good = `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
var<workgroup> tile: array<f32, 64>;
var<private> seed: u32;
fn main() {
  for (var i: u32 = 0u; i < 4u; i++) {
    var x: f32 = 0.0;
    var s = array<vec4f, 4>();
    var<function> t: vec2f = vec2f(0.0);
    // var commented: f32;
    /* var blocked: f32; /* nested */ */
    let variance = x;
  }
}`;
    expect(uninitialisedVars(good)).toEqual([]);
    expect(uninitialisedVars("fn f() { var a: array<vec4f, 4>; }")).toEqual([
      { line: 1, name: "a", text: "var a: array<vec4f, 4>" },
    ]);
  });

  // The kernels and the library files appended to them (shaders/lib/).
  const dir = resolve(import.meta.dirname, "../../shaders");
  const wgslIn = (sub: string) =>
    readdirSync(resolve(dir, sub))
      .filter((f) => f.endsWith(".wgsl"))
      .sort()
      .map((f) => (sub ? `${sub}/${f}` : f));
  const files = [...wgslIn(""), ...wgslIn("lib")];

  test("there are shaders to scan", () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.some((f) => f.startsWith("lib/"))).toBe(true);
  });

  for (const file of files) {
    test(`shaders/${file}`, () => {
      const findings = uninitialisedVars(readFileSync(resolve(dir, file), "utf8"));
      const report = findings.map(
        (f) => `shaders/${file}:${f.line}: '${f.text}' needs an explicit initializer`,
      );
      expect(report, report.join("\n")).toEqual([]);
    });
  }
});
