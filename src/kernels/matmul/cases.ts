// matmul cases: sizes 1, odd, tile multiples and non-multiples, batched, a shared (broadcast) right operand,
// every transposed form, fused bias, a long K that stresses accumulation, and shapes one past the tile edges
// of the fast variants. Every case runs on every variant of every backend (the CPU's ikj4 too).

import type { BackendName } from "../../backend/contract";
import { input, makeCase, type VerifyCase, variantsToCheck } from "../case";

interface Spec {
  name: string;
  batch: number; // 0: plain rank-2 operands
  M: number;
  K: number;
  N: number;
  transA?: boolean;
  transB?: boolean;
  bias?: boolean;
  /** b is rank 2 and shared by every batch entry of a. */
  sharedB?: boolean;
}

const SPECS: Spec[] = [
  { name: "1x1x1", batch: 0, M: 1, K: 1, N: 1 },
  { name: "odd 7x13x5", batch: 0, M: 7, K: 13, N: 5 },
  { name: "tile 64x64x64", batch: 0, M: 64, K: 64, N: 64 },
  { name: "ragged 65x33x67", batch: 0, M: 65, K: 33, N: 67 },
  { name: "batched 3x17x9x23", batch: 3, M: 17, K: 9, N: 23 },
  { name: "shared-b 2x31x12x10 +bias", batch: 2, M: 31, K: 12, N: 10, sharedB: true, bias: true },
  { name: "transA 19x21x6", batch: 0, M: 19, K: 21, N: 6, transA: true },
  { name: "transB 2x9x70x33", batch: 2, M: 9, K: 70, N: 33, transB: true },
  { name: "transA transB 5x8x11 +bias", batch: 0, M: 5, K: 8, N: 11, transA: true, transB: true, bias: true },
  { name: "long-k 3x517x4", batch: 0, M: 3, K: 517, N: 4 },
  // Tile edges of the fast variants: register covers 32x32 per workgroup and reads K 4 at a time (vec4, with an
  // aligned fast path when the contiguous dimension is a multiple of 4); workgroup covers 64x64 and stages K 16
  // at a time. Each case below sits one past a tile edge and has K off the 16-step, aligned or not on purpose.
  { name: "edge 33x20x65", batch: 0, M: 33, K: 20, N: 65 },
  { name: "edge transB 65x18x33 +bias", batch: 0, M: 65, K: 18, N: 33, transB: true, bias: true },
  { name: "aligned transA 2x36x23x68", batch: 2, M: 36, K: 23, N: 68, transA: true },
  { name: "aligned transB 3x12x20x40", batch: 3, M: 12, K: 20, N: 40, transB: true },
  {
    name: "transA transB 2x66x17x35 +bias",
    batch: 2,
    M: 66,
    K: 17,
    N: 35,
    transA: true,
    transB: true,
    bias: true,
  },
  { name: "shared-b transA 3x8x33x36", batch: 3, M: 8, K: 33, N: 36, transA: true, sharedB: true },
  // The wasm matmul's three paths: by columns for one product with K <= 256 and M <= 256 (B packed 64 columns at
  // a time; a pool splits N); split over K for one product with K > 256 and K >= 8·max(M, N) (a partial per K
  // chunk, added in chunk order); else by rows over a packed B. Wide N over several 64-column groups with K at
  // the limit and leftover rows; one row and one K past the column path's limits; then split K with a last chunk
  // of one K.
  { name: "wide transA 6x256x300 +bias", batch: 0, M: 6, K: 256, N: 300, transA: true, bias: true },
  { name: "tall 257x9x12", batch: 0, M: 257, K: 9, N: 12 },
  { name: "k-past-block transB 9x257x40", batch: 0, M: 9, K: 257, N: 40, transB: true },
  { name: "split-k transA 6x1025x13 +bias", batch: 0, M: 6, K: 1025, N: 13, transA: true, bias: true },
];

function dims(s: Spec): string {
  const t = [
    s.transA ? "transA" : "",
    s.transB ? "transB" : "",
    s.bias ? "bias" : "",
    s.sharedB ? "shared b" : "",
  ];
  return [`B=${s.batch || 1} M=${s.M} K=${s.K} N=${s.N}`, ...t.filter(Boolean)].join(" ");
}

export function matmulCases(backend: BackendName = "webgpu"): VerifyCase[] {
  const out: VerifyCase[] = [];
  for (const variant of variantsToCheck(backend, "matmul")) {
    SPECS.forEach((s, i) => {
      const lead = s.batch ? [s.batch] : [];
      const aShape = [...lead, ...(s.transA ? [s.K, s.M] : [s.M, s.K])];
      const bShape = [...(s.sharedB ? [] : lead), ...(s.transB ? [s.N, s.K] : [s.K, s.N])];
      out.push(
        makeCase({
          backend,
          kernel: "matmul",
          variant,
          name: s.name,
          shape: dims(s),
          // f32 sums of K products of values in [-1, 1]: error grows like sqrt(K)·eps·K-ish in the worst case.
          atol: 1e-5 * Math.max(1, Math.sqrt(s.K)) * 4,
          rtol: 1e-4,
          force: { matmul: variant } as VerifyCase["force"],
          inputs: () => ({
            a: input(aShape, 100 + i),
            b: input(bShape, 200 + i),
            ...(s.bias ? { bias: input([s.N], 300 + i) } : {}),
          }),
          apply: (be, t) => [
            be.matmul(t.a!, t.b!, {
              transA: s.transA,
              transB: s.transB,
              ...(t.bias ? { bias: t.bias } : {}),
            }),
          ],
        }),
      );
    });
  }
  return out;
}
