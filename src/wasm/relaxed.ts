// Whether this engine has WebAssembly relaxed SIMD, by validating a tiny module that uses it (no imports, so the
// Vite/Vitest config can ask too).

/** A function of type () → v128 that returns f32x4.relaxed_madd of three zero vectors. */
function relaxedProbe(): Uint8Array<ArrayBuffer> {
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0x00, ...zero, ...zero, ...zero, 0xfd, 0x85, 0x02, 0x0b];
  const types = [0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b];
  const funcs = [0x03, 0x02, 0x01, 0x00];
  const code = [0x0a, body.length + 2, 0x01, body.length, ...body];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...funcs, ...code]);
}

/** Whether this engine validates relaxed SIMD (Chromium from 114; Node from 22, or 20 with a flag). */
export function relaxedSimdSupported(): boolean {
  return typeof WebAssembly === "object" && WebAssembly.validate(relaxedProbe());
}
