// A kernel's WGSL module: the kernel file followed by the library files its first line names,
//   //! use: attention-tile, grid
// (shaders/README.md). The kernel comes first, so a compiler message on line N of the module is about line N of
// the kernel file; lines past the kernel are mapped back to the library file they come from. Free of shader
// imports, so Node code and unit tests can use it.

/** A kernel's first line when it uses library files: `//! use:` and their names, comma-separated. */
const USE_LINE = /^\/\/!\s*use:(.*)$/;
const LIB_NAME = /^[a-z][a-z0-9-]*$/;

/** The library names a kernel's `//! use:` line declares, in order (none without the line). */
export function libraryUses(kernelName: string, code: string): string[] {
  const lines = code.split("\n");
  lines.forEach((line, i) => {
    if (i > 0 && line.trimStart().startsWith("//!"))
      throw new Error(`${kernelName}: line ${i + 1}: a '//!' directive must be the first line of the file`);
  });
  const first = lines[0]?.trim() ?? "";
  if (!first.startsWith("//!")) return [];
  const m = USE_LINE.exec(first);
  if (!m) throw new Error(`${kernelName}: line 1: expected '//! use: lib-a, lib-b', got '${first}'`);
  const names = m[1]!.split(",").map((s) => s.trim());
  for (const name of names) {
    if (!LIB_NAME.test(name))
      throw new Error(`${kernelName}: line 1: '${name}' is not a library name (lower-case, digits, '-')`);
  }
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated) throw new Error(`${kernelName}: line 1: library '${repeated}' is named twice`);
  return names;
}

/** One file's place in a composed module: lines [firstLine, firstLine + lines) are its lines 1.. */
export interface SourcePart {
  file: string;
  firstLine: number;
  lines: number;
}

export interface ComposedKernel {
  /** Cache key of the module: the kernel name and the library list. */
  key: string;
  libraries: string[];
  code: string;
  parts: SourcePart[];
}

function lineCount(text: string): number {
  return text.split("\n").length;
}

/**
 * The module for a kernel: its code, then each library it declares, each starting on a line of its own.
 * Throws, naming the kernel, when it declares a library that `library` does not hold.
 */
export function composeKernel(
  kernel: { name: string; code: string },
  library: Readonly<Record<string, string>>,
): ComposedKernel {
  const libraries = libraryUses(kernel.name, kernel.code);
  const parts: SourcePart[] = [{ file: kernel.name, firstLine: 1, lines: lineCount(kernel.code) }];
  const chunks = [kernel.code];
  for (const name of libraries) {
    const source = library[name];
    if (source === undefined) {
      const known = Object.keys(library).sort().join(", ") || "none";
      throw new Error(`${kernel.name}: unknown WGSL library '${name}' (known: ${known})`);
    }
    const last = parts[parts.length - 1]!;
    parts.push({
      file: `lib/${name}.wgsl`,
      firstLine: last.firstLine + last.lines,
      lines: lineCount(source),
    });
    chunks.push(source);
  }
  return {
    key: libraries.length > 0 ? `${kernel.name}+${libraries.join("+")}` : kernel.name,
    libraries,
    code: chunks.join("\n"),
    parts,
  };
}

/** Where line `line` of a composed module comes from: the kernel (its own line number) or a library file. */
export function sourceLine(composed: ComposedKernel, line: number): { file: string; line: number } {
  for (let i = composed.parts.length - 1; i >= 0; i--) {
    const part = composed.parts[i]!;
    if (line >= part.firstLine) return { file: part.file, line: line - part.firstLine + 1 };
  }
  return { file: composed.parts[0]!.file, line };
}
