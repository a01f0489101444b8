// The safetensors reader and writer (src/io/safetensors.ts): the bytes the writer produces, checked against a
// header spelled out here by hand; a round trip; and every malformed file refused with a message naming the problem.

import { describe, expect, it } from "vitest";
import {
  duplicateKey,
  MAX_HEADER_BYTES,
  readSafetensors,
  SafetensorsError,
  writeSafetensors,
} from "../../src/io/safetensors";

/** A file from a header text and data bytes, assembled here without the writer. */
function file(header: string, data: Uint8Array = new Uint8Array(0), lengthField?: number): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  const view = new DataView(out.buffer);
  const n = lengthField ?? h.length;
  view.setUint32(0, n % 2 ** 32, true);
  view.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** Little-endian f32 bytes of `values`. */
function f32(...values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setFloat32(4 * i, v, true);
  });
  return out;
}

const entry = (dtype: string, shape: number[], begin: number, end: number) =>
  `{"dtype":"${dtype}","shape":[${shape.join(",")}],"data_offsets":[${begin},${end}]}`;

function refusal(bytes: Uint8Array): string {
  try {
    readSafetensors(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return (e as Error).message;
  }
  throw new Error("the file was accepted");
}

describe("writeSafetensors: the bytes", () => {
  it("writes the u64 length, the JSON header padded with spaces to a multiple of 8, then the data in order", () => {
    const bytes = writeSafetensors(
      [
        ["a", { shape: [2], data: Float32Array.of(1.5, -2) }],
        ["b.c", { shape: [1, 3], data: Float32Array.of(3, 4, 0.25) }],
      ],
      { format: "pt" },
    );
    const expectedJson =
      '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"b.c":{"dtype":"F32","shape":[1,3],"data_offsets":[8,20]}}';
    const padded = Math.ceil(expectedJson.length / 8) * 8;
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getUint32(0, true)).toBe(padded);
    expect(view.getUint32(4, true)).toBe(0);
    expect(padded % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + padded));
    expect(header).toBe(expectedJson + " ".repeat(padded - expectedJson.length));
    expect(bytes.length).toBe(8 + padded + 20);
    const data = bytes.subarray(8 + padded);
    expect([...data]).toEqual([...f32(1.5, -2, 3, 4, 0.25)]);
  });

  it("refuses names, shapes and values a reader would refuse", () => {
    const t = { shape: [1], data: Float32Array.of(1) };
    expect(() => writeSafetensors([["__proto__", t]])).toThrow(/'__proto__' is not accepted/);
    expect(() => writeSafetensors([["__metadata__", t]])).toThrow(/reserved/);
    expect(() =>
      writeSafetensors([
        ["x", t],
        ["x", t],
      ]),
    ).toThrow(/'x' appears twice/);
    expect(() => writeSafetensors([["x", { shape: [2], data: Float32Array.of(1) }]])).toThrow(
      /'x' has 1 values for shape \[2\]/,
    );
    expect(() => writeSafetensors([["w", { shape: [2], data: Float32Array.of(1, Number.NaN) }]])).toThrow(
      /'w' holds a non-finite value \(NaN\) at index 1/,
    );
  });
});

describe("readSafetensors", () => {
  it("reads back what the writer wrote: names in offset order, shapes, values and metadata", () => {
    const a = Float32Array.from({ length: 12 }, (_, i) => (i - 5) * 0.1);
    const bytes = writeSafetensors(
      [
        ["layer.weight", { shape: [3, 4], data: a }],
        ["layer.bias", { shape: [4], data: Float32Array.of(1e-30, -3e30, 0, 7) }],
        ["empty", { shape: [0, 2], data: new Float32Array(0) }],
      ],
      { format: "pt", "workbench.model": "relu10" },
    );
    const r = readSafetensors(bytes);
    expect([...r.tensors.keys()]).toEqual(["layer.weight", "layer.bias", "empty"]);
    expect(r.tensors.get("layer.weight")!.shape).toEqual([3, 4]);
    expect([...r.tensors.get("layer.weight")!.data]).toEqual([...a]);
    expect([...r.tensors.get("layer.bias")!.data]).toEqual([...Float32Array.of(1e-30, -3e30, 0, 7)]);
    expect(r.tensors.get("empty")!.shape).toEqual([0, 2]);
    expect(r.metadata).toEqual({ format: "pt", "workbench.model": "relu10" });
    expect(r.notes).toEqual([]);
    // An ArrayBuffer and a Uint8Array viewing part of a larger buffer read the same.
    const bigger = new Uint8Array(bytes.length + 16);
    bigger.set(bytes, 16);
    expect([...readSafetensors(bigger.subarray(16)).tensors.get("layer.bias")!.data]).toEqual([
      ...r.tensors.get("layer.bias")!.data,
    ]);
    expect(readSafetensors(bytes.slice().buffer).tensors.size).toBe(3);
  });

  it("accepts a header whose entries are not in offset order (the format does not require it)", () => {
    const h = `{"b":${entry("F32", [1], 4, 8)},"a":${entry("F32", [1], 0, 4)}}`;
    const r = readSafetensors(file(h, f32(1, 2)));
    expect([...r.tensors.keys()]).toEqual(["a", "b"]);
    expect(r.tensors.get("b")!.data[0]).toBe(2);
  });

  it("converts F16 and BF16 to f32 with a note", () => {
    // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 0.5 = 0x3800, smallest subnormal 2^-24 = 0x0001.
    // BF16: the high 16 bits of an f32: 1.0 = 0x3f80, -0.15625 = 0xbe20.
    const data = new Uint8Array(12);
    const v = new DataView(data.buffer);
    [0x3c00, 0xc000, 0x3800, 0x0001].forEach((h, i) => {
      v.setUint16(2 * i, h, true);
    });
    v.setUint16(8, 0x3f80, true);
    v.setUint16(10, 0xbe20, true);
    const h = `{"h":${entry("F16", [4], 0, 8)},"b":${entry("BF16", [2], 8, 12)}}`;
    const r = readSafetensors(file(h, data));
    expect([...r.tensors.get("h")!.data]).toEqual([1, -2, 0.5, 2 ** -24]);
    expect([...r.tensors.get("b")!.data]).toEqual([1, -0.15625]);
    expect(r.notes).toEqual([
      "tensor 'h' was F16, converted to f32",
      "tensor 'b' was BF16, converted to f32",
    ]);
  });

  it("refuses a truncated file", () => {
    expect(refusal(new Uint8Array(5))).toMatch(/truncated file: 5 bytes/);
    const whole = writeSafetensors([["x", { shape: [4], data: Float32Array.of(1, 2, 3, 4) }]]);
    expect(refusal(whole.subarray(0, whole.length - 3))).toMatch(
      /truncated file: tensor 'x' ends at data byte 16, the file holds 13 bytes of data/,
    );
  });

  it("refuses a header length past the end of the file", () => {
    expect(refusal(file('{"x":1}', new Uint8Array(0), 4096))).toMatch(
      /header length 4096 runs past the end of the file/,
    );
  });

  it("refuses a header over 100 MB before reading it", () => {
    // Only the 8 length bytes and a few more exist: the limit is checked before anything else is read.
    const msg = refusal(file("{}", new Uint8Array(0), MAX_HEADER_BYTES + 1));
    expect(msg).toMatch(
      /header length 104857601 bytes exceeds the limit of 104857600 bytes \(100 MB\); not read/,
    );
    expect(refusal(file("{}", new Uint8Array(0), 2 ** 40))).toMatch(/exceeds the limit/);
  });

  it("refuses a header that is not JSON, or JSON that is not an object", () => {
    expect(refusal(file('{"x": {"dtype": "F32",'))).toMatch(/the header is not JSON/);
    expect(refusal(file("[1, 2]   "))).toMatch(/not an object of tensors/);
    expect(refusal(file(""))).toMatch(/the header is not JSON/);
    expect(refusal(file("\u00ff", new Uint8Array(0)).map((b, i) => (i === 8 ? 0xff : b)))).toMatch(
      /not UTF-8/,
    );
  });

  it("refuses duplicate names, which JSON.parse would silently collapse", () => {
    const h = `{"w":${entry("F32", [1], 0, 4)},"w":${entry("F32", [1], 4, 8)}}`;
    expect(refusal(file(h, f32(1, 2)))).toMatch(/the header names 'w' twice/);
    // Duplicates inside one entry too, and keys spelled with escapes.
    const inner = `{"w":{"dtype":"F32","shape":[1],"shape":[1],"data_offsets":[0,4]}}`;
    expect(refusal(file(inner, f32(1)))).toMatch(/names 'shape' twice/);
    expect(duplicateKey('{"a\\u0062":1,"ab":2}')).toBe("ab");
    expect(duplicateKey('{"a":{"x":1},"b":{"x":2},"c":["a","a"]}')).toBeNull();
    expect(duplicateKey('{"a\\"":1,"b":"a\\""}')).toBeNull();
  });

  it("refuses __proto__ and constructor as names", () => {
    for (const name of ["__proto__", "constructor"]) {
      const h = `{"${name}":${entry("F32", [1], 0, 4)}}`;
      expect(refusal(file(h, f32(1)))).toMatch(new RegExp(`a tensor named '${name}' is not accepted`));
    }
    expect(refusal(file(`{"__metadata__":{"__proto__":"x"}}`))).toMatch(/__metadata__ key '__proto__'/);
  });

  it("refuses overlapping offsets", () => {
    const h = `{"a":${entry("F32", [2], 0, 8)},"b":${entry("F32", [2], 4, 12)}}`;
    expect(refusal(file(h, f32(1, 2, 3)))).toMatch(/tensor 'b' overlaps tensor 'a' \(bytes 4\.\.8\)/);
  });

  it("refuses out-of-order offsets (end before begin)", () => {
    const h = `{"a":${entry("F32", [0], 8, 4)}}`;
    expect(refusal(file(h, f32(1, 2)))).toMatch(/data_offsets \[8, 4\] are out of order/);
  });

  it("refuses gaps, and bytes after the last tensor", () => {
    const gap = `{"a":${entry("F32", [1], 0, 4)},"b":${entry("F32", [1], 8, 12)}}`;
    expect(refusal(file(gap, f32(1, 2, 3)))).toMatch(/gap: bytes 4\.\.8 belong to no tensor \(before 'b'\)/);
    const late = `{"b":${entry("F32", [1], 4, 8)}}`;
    expect(refusal(file(late, f32(1, 2)))).toMatch(/gap: bytes 0\.\.4/);
    const tail = `{"a":${entry("F32", [1], 0, 4)}}`;
    expect(refusal(file(tail, f32(1, 2)))).toMatch(/4 bytes after the last tensor belong to no tensor/);
  });

  it("refuses a byte length that does not match shape × dtype", () => {
    const h = `{"w":${entry("F32", [2, 3], 0, 20)}}`;
    expect(refusal(file(h, new Uint8Array(20)))).toMatch(
      /tensor 'w': shape \[2, 3\] of F32 needs 24 bytes, data_offsets \[0, 20\] hold 20/,
    );
  });

  it("refuses other dtypes by name, and unknown ones", () => {
    expect(refusal(file(`{"ids":${entry("I64", [1], 0, 8)}}`, new Uint8Array(8)))).toMatch(
      /tensor 'ids' has dtype I64; the workbench reads F32/,
    );
    expect(refusal(file(`{"x":${entry("F64", [1], 0, 8)}}`, new Uint8Array(8)))).toMatch(/dtype F64/);
    expect(refusal(file(`{"x":${entry("Q4", [1], 0, 1)}}`, new Uint8Array(1)))).toMatch(/unknown dtype 'Q4'/);
  });

  it("refuses malformed entries and metadata", () => {
    expect(refusal(file(`{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`))).toMatch(
      /shape must be a list of non-negative integers/,
    );
    expect(refusal(file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}}`))).toMatch(
      /data_offsets must be \[begin, end\]/,
    );
    expect(refusal(file(`{"x":{"shape":[1],"data_offsets":[0,4]}}`, f32(1)))).toMatch(/dtype missing/);
    expect(refusal(file(`{"x":3}`))).toMatch(/its header entry is not an object/);
    expect(refusal(file(`{"__metadata__":{"step":3}}`))).toMatch(/__metadata__ entry 'step' is not a string/);
  });

  it("refuses non-finite values, naming the tensor", () => {
    const h = `{"ok":${entry("F32", [1], 0, 4)},"bad":${entry("F32", [2], 4, 12)}}`;
    expect(refusal(file(h, f32(1, 2, Number.POSITIVE_INFINITY)))).toMatch(
      /tensor 'bad' holds a non-finite value \(Infinity\) at index 1/,
    );
    const data = new Uint8Array(2);
    new DataView(data.buffer).setUint16(0, 0x7e00, true); // F16 NaN
    expect(refusal(file(`{"h":${entry("F16", [1], 0, 2)}}`, data))).toMatch(
      /tensor 'h' holds a non-finite value \(NaN\)/,
    );
  });
});
