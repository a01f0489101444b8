// The fast CPU attention ("rows4") beside the clear reference (reference.ts), with the same results up to the
// order of float64 sums. The reference handles one query row at a time, so each score is one chain of
// dependent adds and each key row is loaded once per query. This one takes 4 query rows together: every key
// and value row loaded serves 4 rows (4 independent dot products, which the CPU overlaps), and the output
// accumulators of the 4 rows are updated from one load of v. A key that a row does not see (causal) gets
// weight exactly 0, as in the reference; a row that sees no key keeps out 0 and lse -Infinity.

import { alloc, type FloatArray } from "../float-array";
import { type AttentionDims, visibleKeys } from "./shape";

/** Same contract as attentionCpu (reference.ts): out [B, H, T, d], lse [B, H, T]. */
export function attentionCpuFast(
  q: FloatArray,
  k: FloatArray,
  v: FloatArray,
  dims: AttentionDims,
): { out: FloatArray; lse: FloatArray } {
  const { B, H, T, S, d, scale } = dims;
  const out = alloc(q, B * H * T * d);
  const lse = alloc(q, B * H * T);
  // Scores of the 4 rows (row r at r·S), then their weights; 4 accumulator rows of the output.
  const sc = new Float64Array(4 * S);
  const acc = [new Float64Array(d), new Float64Array(d), new Float64Array(d), new Float64Array(d)] as const;
  const nv = [0, 0, 0, 0];
  const qo = [0, 0, 0, 0];
  for (let bh = 0; bh < B * H; bh++) {
    const qBase = bh * T * d;
    const kvBase = bh * S * d;
    for (let i0 = 0; i0 < T; i0 += 4) {
      const rows = Math.min(4, T - i0);
      // Rows past T (the last group) see no key and are never stored.
      let nMax = 0;
      for (let r = 0; r < 4; r++) {
        nv[r] = r < rows ? visibleKeys(dims, i0 + r) : 0;
        qo[r] = qBase + (i0 + Math.min(r, rows - 1)) * d;
        if (nv[r]! > nMax) nMax = nv[r]!;
      }
      const [q0, q1, q2, q3] = qo as [number, number, number, number];
      for (let j = 0; j < nMax; j++) {
        const kj = kvBase + j * d;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let c = 0; c < d; c++) {
          const kv = k[kj + c]!;
          s0 += q[q0 + c]! * kv;
          s1 += q[q1 + c]! * kv;
          s2 += q[q2 + c]! * kv;
          s3 += q[q3 + c]! * kv;
        }
        sc[j] = s0 * scale;
        sc[S + j] = s1 * scale;
        sc[2 * S + j] = s2 * scale;
        sc[3 * S + j] = s3 * scale;
      }
      // Per row: max over its visible keys, weights exp(s − max) (0 past them), their sum.
      const sums = [0, 0, 0, 0];
      const maxes = [-Infinity, -Infinity, -Infinity, -Infinity];
      for (let r = 0; r < 4; r++) {
        const n = nv[r]!;
        const o = r * S;
        let m = -Infinity;
        for (let j = 0; j < n; j++) if (sc[o + j]! > m) m = sc[o + j]!;
        let sum = 0;
        for (let j = 0; j < n; j++) {
          const p = Math.exp(sc[o + j]! - m);
          sc[o + j] = p;
          sum += p;
        }
        for (let j = n; j < nMax; j++) sc[o + j] = 0;
        sums[r] = sum;
        maxes[r] = m;
        acc[r]!.fill(0);
      }
      const [a0, a1, a2, a3] = acc;
      for (let j = 0; j < nMax; j++) {
        const vj = kvBase + j * d;
        const p0 = sc[j]!;
        const p1 = sc[S + j]!;
        const p2 = sc[2 * S + j]!;
        const p3 = sc[3 * S + j]!;
        for (let c = 0; c < d; c++) {
          const x = v[vj + c]!;
          a0[c] = a0[c]! + p0 * x;
          a1[c] = a1[c]! + p1 * x;
          a2[c] = a2[c]! + p2 * x;
          a3[c] = a3[c]! + p3 * x;
        }
      }
      for (let r = 0; r < rows; r++) {
        const row = bh * T + i0 + r;
        if (nv[r] === 0) {
          lse[row] = -Infinity;
          continue;
        }
        const o = qBase + (i0 + r) * d;
        const a = acc[r]!;
        const sum = sums[r]!;
        for (let c = 0; c < d; c++) out[o + c] = a[c]! / sum;
        lse[row] = maxes[r]! + Math.log(sum);
      }
    }
  }
  return { out, lse };
}
