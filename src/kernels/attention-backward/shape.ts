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
