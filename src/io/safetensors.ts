// The safetensors file format (the one PyTorch and Hugging Face load), read and written over plain bytes, so the
// same code runs in a page and in Node.
//
//   bytes 0..7        N, the header's length, an unsigned 64-bit little-endian integer
//   bytes 8..8+N      the header: UTF-8 JSON, padded with spaces to a multiple of 8 (so the data is 8-aligned)
//                     { "__metadata__": { string: string }, "<name>": { "dtype": "F32", "shape": [2, 3],
//                       "data_offsets": [begin, end] }, ... }
//   bytes 8+N..       the data: each tensor's little-endian values, row-major, at [begin, end) of this region;
//                     the tensors cover it exactly, with no gap and no overlap
//
// The workbench writes F32 only. It reads F32, and F16/BF16 converted to f32 (with a note); any other dtype is
// refused by name. Everything that could make the file mean something other than what it says is refused with a
// message naming the problem, before a single value is returned.

import { quoted } from "../util/printable";

/** Headers above this size are refused before they are read (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export type ReadDtype = "F32" | "F16" | "BF16";

/** Every dtype the format defines, with its element size in bytes (for the byte-length check and messages). */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};

/** Names a JavaScript object would treat specially; refused so no lookup by name can reach a prototype. */
const FORBIDDEN_NAMES = new Set(["__proto__", "constructor", "prototype"]);

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsContents {
  /** Tensors in the order of their data offsets. */
  tensors: Map<string, NamedTensor>;
  /** The `__metadata__` entries (empty when the file has none). */
  metadata: Record<string, string>;
  /** What was converted on the way in (F16/BF16 to f32), one sentence each. */
  notes: string[];
}

export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

const fail = (message: string): never => {
  throw new SafetensorsError(message);
};

const fmtShape = (shape: readonly number[]) => `[${shape.join(", ")}]`;
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function checkName(name: string, where: string): void {
  if (name === "") fail(`${where}: a tensor has an empty name`);
  if (name === "__metadata__") fail(`${where}: '__metadata__' is reserved and cannot name a tensor`);
  if (FORBIDDEN_NAMES.has(name)) fail(`${where}: a tensor named ${quoted(name)} is not accepted`);
}

// ---- writing ----

/**
 * A safetensors file of F32 tensors, in the order given, with `metadata` (string values) as `__metadata__`.
 * Refuses what the format cannot hold or a reader would refuse: bad names, shapes that do not match the data,
 * non-finite values.
 */
export function writeSafetensors(
  tensors: Iterable<[string, NamedTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") fail(`write: metadata ${quoted(k)} must be a string, got ${typeof v}`);
    if (FORBIDDEN_NAMES.has(k)) fail(`write: metadata key ${quoted(k)} is not accepted`);
    meta[k] = v;
  }
  if (Object.keys(meta).length > 0) header.__metadata__ = meta;
  const list: [string, NamedTensor][] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const [name, t] of tensors) {
    checkName(name, "write");
    if (seen.has(name)) fail(`write: tensor ${quoted(name)} appears twice`);
    seen.add(name);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`write: tensor ${quoted(name)} has a bad shape ${fmtShape(t.shape)}`);
    const n = sizeOf(t.shape);
    if (t.data.length !== n)
      fail(`write: tensor ${quoted(name)} has ${t.data.length} values for shape ${fmtShape(t.shape)}`);
    const bad = t.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0)
      fail(`write: tensor ${quoted(name)} holds a non-finite value (${t.data[bad]}) at index ${bad}`);
    header[name] = { dtype: "F32", shape: [...t.shape], data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
    list.push([name, t]);
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let p = 8 + padded;
  for (const [, t] of list) {
    for (let i = 0; i < t.data.length; i++, p += 4) view.setFloat32(p, t.data[i]!, true);
  }
  return out;
}

// ---- reading ----

/** The header's length from the first 8 bytes, checked against the limit and the file's length. */
export function headerLength(bytes: Uint8Array): number {
  if (bytes.length < 8)
    fail(`truncated file: ${bytes.length} bytes, a safetensors file starts with an 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (n > MAX_HEADER_BYTES)
    fail(`header length ${n} bytes exceeds the limit of ${MAX_HEADER_BYTES} bytes (100 MB); not read`);
  if (8 + n > bytes.length)
    fail(
      `header length ${n} runs past the end of the file (${bytes.length} bytes, ${bytes.length - 8} after the length)`,
    );
  return n;
}

/**
 * The first key that occurs twice in one object of a JSON text (which JSON.parse would silently collapse), or
 * null. The text must already be valid JSON.
 */
export function duplicateKey(text: string): string | null {
  const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === "{") stack.push({ keys: new Set(), expectKey: true });
    else if (c === "[") stack.push({ keys: null, expectKey: false });
    else if (c === "}" || c === "]") stack.pop();
    else if (c === ",") {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
  return null;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** IEEE half precision bits → number. */
function f16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

interface Entry {
  name: string;
  dtype: ReadDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** Parse a safetensors file; throws a SafetensorsError naming the first problem found. */
export function readSafetensors(input: Uint8Array | ArrayBuffer): SafetensorsContents {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const n = headerLength(bytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail("the header is not UTF-8 text");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not JSON (${(e as Error).message})`);
  }
  if (!isObj(header)) return fail("the header is JSON but not an object of tensors");
  const dup = duplicateKey(text);
  if (dup !== null) fail(`the header names ${quoted(dup)} twice`);

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  const notes: string[] = [];
  for (const name of Object.keys(header)) {
    const info = header[name];
    if (name === "__metadata__") {
      if (!isObj(info)) fail("__metadata__ must be an object of strings");
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`__metadata__ entry ${quoted(k)} is not a string`);
        if (FORBIDDEN_NAMES.has(k)) fail(`__metadata__ key ${quoted(k)} is not accepted`);
        metadata[k] = v as string;
      }
      continue;
    }
    checkName(name, "read");
    if (!isObj(info)) return fail(`tensor ${quoted(name)}: its header entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== "string") return fail(`tensor ${quoted(name)}: dtype missing or not a string`);
    if (!(dtype in DTYPE_BYTES)) return fail(`tensor ${quoted(name)}: unknown dtype ${quoted(dtype)}`);
    if (dtype !== "F32" && dtype !== "F16" && dtype !== "BF16")
      return fail(
        `tensor ${quoted(name)} has dtype ${dtype}; the workbench reads F32 (and F16, BF16 as f32)`,
      );
    if (!Array.isArray(shape) || !shape.every(isIndex))
      return fail(`tensor ${quoted(name)}: shape must be a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex))
      return fail(`tensor ${quoted(name)}: data_offsets must be [begin, end], two non-negative integers`);
    const [begin, end] = offsets as [number, number];
    if (end < begin)
      fail(`tensor ${quoted(name)}: data_offsets [${begin}, ${end}] are out of order (end before begin)`);
    const want = sizeOf(shape) * DTYPE_BYTES[dtype]!;
    if (end - begin !== want) {
      fail(
        `tensor ${quoted(name)}: shape ${fmtShape(shape)} of ${dtype} needs ${want} bytes, data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    }
    entries.push({ name, dtype, shape: [...shape], begin, end });
  }

  // The tensors must tile the data region: sorted by begin, each starts where the previous ended.
  const dataStart = 8 + n;
  const dataBytes = bytes.length - dataStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: Entry | null = null;
  for (const e of entries) {
    if (e.begin < at)
      fail(`tensor ${quoted(e.name)} overlaps tensor ${quoted(prev!.name)} (bytes ${e.begin}..${at})`);
    if (e.begin > at)
      fail(`the data has a gap: bytes ${at}..${e.begin} belong to no tensor (before ${quoted(e.name)})`);
    at = e.end;
    prev = e;
  }
  if (at > dataBytes) {
    fail(
      `truncated file: tensor ${quoted(prev!.name)} ends at data byte ${at}, the file holds ${dataBytes} bytes of data`,
    );
  }
  if (at < dataBytes) fail(`${dataBytes - at} bytes after the last tensor belong to no tensor`);

  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, dataBytes);
  const tensors = new Map<string, NamedTensor>();
  for (const e of entries) {
    const count = sizeOf(e.shape);
    const data = new Float32Array(count);
    if (e.dtype === "F32") for (let i = 0; i < count; i++) data[i] = view.getFloat32(e.begin + 4 * i, true);
    else if (e.dtype === "F16")
      for (let i = 0; i < count; i++) data[i] = f16ToNumber(view.getUint16(e.begin + 2 * i, true));
    else {
      const word = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < count; i++) {
        word.setUint32(0, view.getUint16(e.begin + 2 * i, true) << 16);
        data[i] = word.getFloat32(0);
      }
    }
    const bad = data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) fail(`tensor ${quoted(e.name)} holds a non-finite value (${data[bad]}) at index ${bad}`);
    if (e.dtype !== "F32") notes.push(`tensor ${quoted(e.name)} was ${e.dtype}, converted to f32`);
    tensors.set(e.name, { shape: e.shape, data });
  }
  return { tensors, metadata, notes };
}
