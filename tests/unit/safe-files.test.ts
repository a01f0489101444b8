import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkWritable, FileError, readInputFile, writeFileAtomic } from "../../src/cli/safe-files";
import { hasControl, printable, quoted } from "../../src/util/printable";

const dir = () => mkdtempSync(join(tmpdir(), "wb-files-"));

describe("writeFileAtomic", () => {
  it("writes a new file and replaces an old one whole, leaving no temporary file", () => {
    const d = dir();
    const p = join(d, "out.json");
    writeFileAtomic(p, "first");
    expect(readFileSync(p, "utf8")).toBe("first");
    writeFileAtomic(p, new TextEncoder().encode("second"));
    expect(readFileSync(p, "utf8")).toBe("second");
    expect(readdirSync(d)).toEqual(["out.json"]);
  });

  it("leaves the previous file untouched when the write fails", () => {
    const d = dir();
    const p = join(d, "keep.json");
    writeFileSync(p, "good");
    // A folder where the file should go: the rename fails after the temporary file was written.
    const blocked = join(d, "sub");
    mkdirSync(blocked);
    expect(() => writeFileAtomic(blocked, "x", "--json")).toThrow(/--json .*sub: not written .*unchanged/);
    expect(readFileSync(p, "utf8")).toBe("good");
    expect(readdirSync(d).sort()).toEqual(["keep.json", "sub"]);
  });

  it("names the path when the folder does not exist", () => {
    expect(() => writeFileAtomic("/nonexistent-folder/x.json", "x", "--save")).toThrow(
      /--save \/nonexistent-folder\/x.json: not written \(no such file or folder\)/,
    );
  });
});

describe("checkWritable", () => {
  it("accepts a new file in an existing folder and an existing regular file, creating nothing", () => {
    const d = dir();
    checkWritable(join(d, "new.json"), "--json");
    writeFileSync(join(d, "old.json"), "x");
    checkWritable(join(d, "old.json"), "--json");
    expect(readdirSync(d)).toEqual(["old.json"]);
  });

  it("refuses a folder, a missing folder, a device and /proc before any work", () => {
    const d = dir();
    expect(() => checkWritable(d, "--json")).toThrow(/is a folder, not a file/);
    expect(() => checkWritable(join(d, "no", "x.json"), "--save")).toThrow(/--save .*cannot write there/);
    expect(() => checkWritable("/dev/null", "--json")).toThrow(/not a regular file/);
    expect(() => checkWritable("/proc/x.json", "--json")).toThrow(FileError);
  });
});

describe("readInputFile", () => {
  it("reads a regular text file", async () => {
    const d = dir();
    writeFileSync(join(d, "w.json"), '{"a":1}');
    expect(await readInputFile(join(d, "w.json"), "--load")).toBe('{"a":1}');
  });

  it("refuses folders, devices, FIFOs, binary and oversized files without reading them", async () => {
    const d = dir();
    await expect(readInputFile(d, "--load")).rejects.toThrow(/is a folder/);
    await expect(readInputFile("/dev/zero", "--load")).rejects.toThrow(/not a regular file/);
    const fifo = join(d, "pipe");
    execFileSync("mkfifo", [fifo]);
    expect(existsSync(fifo)).toBe(true);
    await expect(readInputFile(fifo, "--load")).rejects.toThrow(/not a regular file/);
    writeFileSync(join(d, "bin"), Uint8Array.from([123, 0, 1, 2]));
    await expect(readInputFile(join(d, "bin"), "--load")).rejects.toThrow(/binary file/);
    writeFileSync(join(d, "big"), "x".repeat(2000));
    await expect(readInputFile(join(d, "big"), "--load", 1000)).rejects.toThrow(
      /2000 bytes is larger than the 1000-byte limit/,
    );
    await expect(readInputFile(join(d, "missing"), "--load")).rejects.toThrow(/no such file/);
  });
});

describe("printable", () => {
  it("escapes terminal control sequences and bidi overrides, keeps ordinary text", () => {
    const hostile = "relu\u001b]0;pwned\u0007\u001b[31mred\u202e";
    const shown = printable(hostile);
    expect(shown).toBe("relu\\x1b]0;pwned\\x07\\x1b[31mred\\u202e");
    expect(hasControl(shown)).toBe(false);
    expect(hasControl(hostile)).toBe(true);
    expect(printable("grain-attention ü 水")).toBe("grain-attention ü 水");
    expect(quoted("a\nb")).toBe("'a\\nb'");
    expect(quoted("x".repeat(100), 10)).toBe(`'${"x".repeat(10)}…'`);
  });
});
