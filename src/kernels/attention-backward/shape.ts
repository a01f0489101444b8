// Shape rules of the attention backward, shared by the CPU reference and the WGSL kernels.
//
//   q, out, dout:  [B, H, T, d]
//   k, v:          [B, H, S, d]
//   lse:           [B, H, T]   saved by the forward (-Infinity for a fully masked row)
//   dq:            [B, H, T, d];  dk, dv: [B, H, S, d]
//
// The forward's rules (../attention/shape.ts) apply to q, k and v; out, lse and dout must have the forward's
// output shapes.

import { type AttentionDims, type AttentionOptions, attentionDims } from "../attention/shape";
import type { FloatArray } from "../float-array";
import { checkSameShape, checkShape, type Shape } from "../validate";

export function attentionBackwardDims(
  q: Shape,
  k: Shape,
  v: Shape,
  out: Shape,
  lse: Shape,
  dout: Shape,
  opts: AttentionOptions = {},
): AttentionDims {
  const dims = attentionDims(q, k, v, opts);
  const op = "attentionBackward";
  checkShape(op, "out", out);
  checkSameShape(op, "out", out, dims.out);
  checkShape(op, "lse", lse);
  checkSameShape(op, "lse", lse, dims.lse);
  checkShape(op, "dout", dout);
  checkSameShape(op, "dout", dout, dims.out);
  return dims;
}

/** What a CPU variant of the backward returns: dq [B, H, T, d], dk and dv [B, H, S, d]. */
export interface AttentionBackwardCpuResult {
  dq: FloatArray;
  dk: FloatArray;
  dv: FloatArray;
}

/** A CPU variant of the backward, laid out as in ../attention/shape.ts. Every variant takes these. */
export type AttentionBackwardCpuKernel = (
  q: FloatArray,
  k: FloatArray,
  v: FloatArray,
  out: FloatArray,
  lse: FloatArray,
  dout: FloatArray,
  dims: AttentionDims,
) => AttentionBackwardCpuResult;
