// Files the command-line tools read and write, done so that nothing is lost: outputs go to a temporary file in
// the same folder and are renamed over the target only when whole (an interrupted or failed run never leaves a
// half-written file or clobbers a good one), every output path is checked before any work starts, and inputs
// are read only when they are regular files under a size limit (a FIFO, a device or a 200 MB file is refused
// before a byte of it is parsed).

import {
  closeSync,
  constants,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { printable } from "../util/printable";

export class FileError extends Error {
  override name = "FileError";
}

/** The largest input file read by default: far above any weights file the workbench writes (a few MB). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ENOENT: "no such file or folder",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EISDIR: "is a folder",
    ENOTDIR: "a part of the path is not a folder",
    ENOSPC: "no space left on the device",
    EROFS: "read-only file system",
    EIO: "input/output error",
    EDQUOT: "disk quota exceeded",
  };
  return (err.code && known[err.code]) || printable(err.message ?? String(e));
}

function tempPathFor(path: string): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return join(dirname(path), `.${basename(path)}.${process.pid}.${rand}.tmp`);
}

/**
 * Check that `path` can be written as an output, before any work: its folder exists and takes a new file, and
 * the path itself is not a folder or a special file. `what` names the flag in the message (e.g. "--json").
 */
export function checkWritable(path: string, what: string): void {
  const abs = resolve(path);
  const shown = printable(path);
  try {
    const st = statSync(abs);
    if (st.isDirectory()) throw new FileError(`${what} ${shown}: is a folder, not a file`);
    if (!st.isFile()) throw new FileError(`${what} ${shown}: not a regular file`);
  } catch (e) {
    if (e instanceof FileError) throw e;
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new FileError(`${what} ${shown}: ${reason(e)}`);
  }
  // The temporary file the write will use is created (and removed) now, so a folder that is missing,
  // read-only or not a folder fails here, naming the path.
  const probe = tempPathFor(abs);
  try {
    const fd = openSync(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
    closeSync(fd);
  } catch (e) {
    throw new FileError(`${what} ${shown}: cannot write there (${reason(e)})`);
  }
  rmSync(probe, { force: true });
}

/** `checkWritable` after creating the path's missing parent folders (a failure to create them names the path). */
export function prepareOutput(path: string, what: string): void {
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
  } catch (e) {
    throw new FileError(`${what} ${printable(path)}: cannot create its folder (${reason(e)})`);
  }
  checkWritable(path, what);
}

/** An error's message without its stack, each line's control characters escaped (safe for a terminal). */
export function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n").map(printable).join("\n");
}

/**
 * Write `data` to `path` whole or not at all: into a temporary file beside it, flushed to disk, then renamed
 * over the target. On any failure the temporary file is removed and the target is left as it was.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, what = "output"): void {
  const abs = resolve(path);
  const tmp = tempPathFor(abs);
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, abs);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new FileError(
      `${what} ${printable(path)}: not written (${reason(e)}); any previous file is unchanged`,
    );
  }
}

/**
 * Read a regular file of at most `maxBytes`. Folders, FIFOs, devices and larger files are refused before
 * anything is read; the message names the path and what is wrong.
 */
export async function readInputBytes(
  path: string,
  what: string,
  maxBytes = MAX_INPUT_BYTES,
): Promise<Uint8Array> {
  const shown = printable(path);
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new FileError(`${what} ${shown}: is a folder, not a file`);
    if (!st.isFile()) throw new FileError(`${what} ${shown}: not a regular file (a device, FIFO or socket)`);
    size = st.size;
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new FileError(`${what} ${shown}: ${reason(e)}`);
  }
  if (size > maxBytes) {
    throw new FileError(
      `${what} ${shown}: ${size} bytes is larger than the ${maxBytes}-byte limit for this kind of file`,
    );
  }
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new FileError(`${what} ${shown}: ${reason(e)}`);
  }
}

/** `readInputBytes` as UTF-8 text; a file holding NUL bytes is refused as binary. */
export async function readInputFile(path: string, what: string, maxBytes = MAX_INPUT_BYTES): Promise<string> {
  const bytes = await readInputBytes(path, what, maxBytes);
  if (bytes.includes(0)) throw new FileError(`${what} ${printable(path)}: a binary file, not text`);
  return new TextDecoder().decode(bytes);
}
