// The wasm fused attention (streaming online softmax over key blocks of 64, never the T×S matrix) and its
// backward (dq by query rows, dk/dv by key rows, weights recomputed from the saved lse) against the float64
// CPU reference: odd sizes and head dims (1, 5, 7, 33, 65), more keys than one block, causal masks with
// T < S and T > S (fully masked rows: out 0, lse −Infinity, dq 0), a custom scale, large values, and NaN or
// ±Infinity in keys and values some rows must not see, weights of exactly 0 in front of NaN and Infinity
// values (they add nothing, in the vector lanes too), a row whose every score is −Infinity (out 0, lse
// −Infinity); with 1 thread and with the 2-thread pool.
//
// Tolerances (inputs in [−1, 1]): out and lse atol 3e-5, rtol 1e-4; gradients atol 2e-4, rtol 1e-3. With
// values in [−8, 8] (scores up to ±256) every bound is 20× larger: f32 rounding of a score is then ~1e-5.

import { describe, expect, test } from "vitest";
import { wasmAttention, wasmAttentionBackward } from "../../src/wasm";
import { download, expectClose, output, ref, refData, uniform, upload, useEngines } from "./wasm-helpers";

interface Spec {
  B: number;
  H: number;
  T: number;
  S: number;
  d: number;
  causal?: boolean;
  scale?: number;
  /** Inputs in [−range, range). */
  range?: number;
  /** Write NaN into k and +Infinity into v at this key (in every head). */
  poisonKey?: number;
  /**
   * Every third key (0, 3, 6, ...) gets a score of about −2500 from every query (component 0: q = 50, k = −50;
   * the other keys have k = 0 there): a weight of exactly 0, in float64 too, in front of a value row of NaN and
   * +Infinity. Query row 0 gets −Infinity in component 1 (where every k is positive): all its scores are
   * −Infinity. Scale 1.
   */
  zeroWeights?: boolean;
}

const SPECS: Spec[] = [
  { B: 1, H: 1, T: 1, S: 1, d: 1 },
  { B: 2, H: 3, T: 7, S: 7, d: 5, causal: true },
  { B: 1, H: 2, T: 33, S: 65, d: 16, causal: true },
  { B: 1, H: 2, T: 65, S: 33, d: 8, causal: true },
  { B: 1, H: 1, T: 9, S: 150, d: 33 },
  { B: 2, H: 1, T: 70, S: 130, d: 64, causal: true, scale: 0.3 },
  { B: 1, H: 2, T: 17, S: 17, d: 16, range: 8 },
  { B: 1, H: 2, T: 12, S: 12, d: 7, causal: true, poisonKey: 5 },
  { B: 1, H: 1, T: 5, S: 9, d: 4, causal: true, poisonKey: 8 },
  { B: 1, H: 2, T: 37, S: 37, d: 5, causal: true, scale: 1, zeroWeights: true },
  { B: 1, H: 1, T: 9, S: 70, d: 6, scale: 1, zeroWeights: true },
];

function label(s: Spec): string {
  return [
    `B ${s.B} H ${s.H} T ${s.T} S ${s.S} d ${s.d}`,
    s.causal ? "causal" : "",
    s.scale ? `scale ${s.scale}` : "",
    s.range ? `values ±${s.range}` : "",
    s.poisonKey !== undefined ? `NaN/Inf at key ${s.poisonKey}` : "",
    s.zeroWeights ? "zero weights before NaN/Inf values, a row of −Infinity scores" : "",
  ]
    .filter(Boolean)
    .join(" ");
}

const list = useEngines();

function inputs(s: Spec) {
  const r = s.range ?? 1;
  const q = uniform(s.B * s.H * s.T * s.d, 10 + s.T, -r, r);
  const k = uniform(s.B * s.H * s.S * s.d, 20 + s.S, -r, r);
  const v = uniform(s.B * s.H * s.S * s.d, 30 + s.d, -r, r);
  const dout = uniform(s.B * s.H * s.T * s.d, 40 + s.T, -1, 1);
  if (s.poisonKey !== undefined) {
    for (let bh = 0; bh < s.B * s.H; bh++) {
      for (let c = 0; c < s.d; c++) {
        const at = (bh * s.S + s.poisonKey) * s.d + c;
        k[at] = Number.NaN;
        v[at] = Number.POSITIVE_INFINITY;
      }
    }
  }
  if (s.zeroWeights) {
    for (let bh = 0; bh < s.B * s.H; bh++) {
      for (let j = 0; j < s.S; j++) {
        const kj = (bh * s.S + j) * s.d;
        k[kj + 1] = 0.25 + Math.abs(k[kj + 1]!);
        const hidden = j % 3 === 0;
        k[kj] = hidden ? -50 : 0;
        for (let c = 0; hidden && c < s.d; c++) v[kj + c] = c % 2 ? Number.POSITIVE_INFINITY : Number.NaN;
      }
      for (let i = 0; i < s.T; i++) q[(bh * s.T + i) * s.d] = 50;
      q[bh * s.T * s.d + 1] = Number.NEGATIVE_INFINITY;
    }
  }
  return { q, k, v, dout };
}

describe("wasm attention forward", () => {
  for (const spec of SPECS) {
    test(label(spec), async () => {
      const { B, H, T, S, d } = spec;
      const { q, k, v } = inputs(spec);
      const opts = { causal: spec.causal, scale: spec.scale };
      const r = ref.attention(
        ref.tensor(q, [B, H, T, d]),
        ref.tensor(k, [B, H, S, d]),
        ref.tensor(v, [B, H, S, d]),
        opts,
      );
      const wantOut = refData(r.out);
      const wantLse = refData(r.lse);
      const f = spec.range ? 20 : 1;
      for (const { name, ctx } of list) {
        const out = output(ctx, B * H * T * d);
        const lse = output(ctx, B * H * T);
        const shape = { BH: B * H, T, S, d, scale: spec.scale ?? 1 / Math.sqrt(d), causal: !!spec.causal };
        const io = { q: upload(ctx, q), k: upload(ctx, k), v: upload(ctx, v), out, lse };
        await wasmAttention(ctx, io, shape);
        expectClose(download(ctx, out), wantOut, 3e-5 * f, 1e-4 * f, `${name} out`);
        expectClose(download(ctx, lse), wantLse, 3e-5 * f, 1e-4 * f, `${name} lse`);
      }
      if (spec.causal && T > S) {
        // The first T − S rows see no key: the reference's definition (and so ours) is out 0, lse −Infinity.
        expect(wantLse[0]).toBe(Number.NEGATIVE_INFINITY);
        expect(wantOut[0]).toBe(0);
      }
      if (spec.poisonKey !== undefined) {
        // Rows that do not see the poisoned key stay finite: its NaN and Infinity contribute nothing there.
        expect(Number.isFinite(wantOut[0]!)).toBe(true);
      }
      if (spec.zeroWeights) {
        // Row 0 has only −Infinity scores; every other row is finite: the NaN and Infinity behind the zero
        // weights reach nothing.
        expect(wantLse[0]).toBe(Number.NEGATIVE_INFINITY);
        expect(wantOut.slice(0, d).every((x) => x === 0)).toBe(true);
        expect(wantOut.slice(d, T * d).every(Number.isFinite)).toBe(true);
      }
    });
  }
});

describe("wasm attention backward", () => {
  for (const spec of SPECS) {
    test(label(spec), async () => {
      const { B, H, T, S, d } = spec;
      const { q, k, v, dout } = inputs(spec);
      const opts = { causal: spec.causal, scale: spec.scale };
      const [Q, K, V] = [
        ref.tensor(q, [B, H, T, d]),
        ref.tensor(k, [B, H, S, d]),
        ref.tensor(v, [B, H, S, d]),
      ];
      const fwd = ref.attention(Q, K, V, opts);
      // Both sides get the same saved out and lse (the reference's, rounded to f32).
      const outF = Float32Array.from(refData(fwd.out));
      const lseF = Float32Array.from(refData(fwd.lse));
      const g = ref.attentionBackward(
        Q,
        K,
        V,
        ref.tensor(outF, [B, H, T, d]),
        ref.tensor(lseF, [B, H, T]),
        ref.tensor(dout, [B, H, T, d]),
        opts,
      );
      const f = spec.range ? 20 : 1;
      for (const { name, ctx } of list) {
        const dq = output(ctx, B * H * T * d);
        const dk = output(ctx, B * H * S * d);
        const dv = output(ctx, B * H * S * d);
        const shape = { BH: B * H, T, S, d, scale: spec.scale ?? 1 / Math.sqrt(d), causal: !!spec.causal };
        const io = {
          q: upload(ctx, q),
          k: upload(ctx, k),
          v: upload(ctx, v),
          out: upload(ctx, outF),
          lse: upload(ctx, lseF),
        };
        await wasmAttentionBackward(ctx, io, { dout: upload(ctx, dout), dq, dk, dv }, shape);
        expectClose(download(ctx, dq), refData(g.dq), 2e-4 * f, 1e-3 * f, `${name} dq`);
        expectClose(download(ctx, dk), refData(g.dk), 2e-4 * f, 1e-3 * f, `${name} dk`);
        expectClose(download(ctx, dv), refData(g.dv), 2e-4 * f, 1e-3 * f, `${name} dv`);
      }
      if (spec.zeroWeights) {
        // Every gradient finite (the zero weights keep NaN and Infinity out); the keys nobody weighs get 0.
        for (const x of [g.dq, g.dk, g.dv]) expect(refData(x).every(Number.isFinite)).toBe(true);
        const dv0 = refData(g.dv).slice(0, d);
        expect(dv0.every((x) => x === 0)).toBe(true);
      }
    });
  }
});
