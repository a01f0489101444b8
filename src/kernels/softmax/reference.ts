// The CPU reference of softmax over the last axis and its backward: the spec the WGSL variants are checked
// against. Float64 throughout, results stored as f32.
//
// Per row of `cols` values x (row-major, rows x cols):
//   z_j = scale·x_j for kept entries; an entry is dropped when x_j = -Infinity or the causal mask removes it
//   m   = max_j z_j                              (subtracted first, so exp never overflows: ±1e4 logits are fine)
//   s   = Σ_j exp(z_j − m)                       (>= 1 when any entry is kept, 0 when none is)
//   y_j = exp(z_j − m) / s, and 0 for dropped entries
//   lse = m + log s
// A row with no kept entry (all -Infinity, or all masked) gives y = 0 and lse = -Infinity rather than NaN.
// A kept z_j that is NaN or +Infinity makes the row's kept entries and its lse NaN (masked entries stay 0).

import { alloc, type FloatArray, type Host, host } from "../float-array";
import {
  checkSoftmaxOptions,
  keptColumns,
  type SoftmaxOptions,
  softmaxBackwardDims,
  softmaxDims,
} from "./shape";

// ---- the op's CPU entries --------------------------------------------------------------------------------

export function softmax(_k: unknown, x: Host): Host {
  const { rows, cols } = softmaxDims("softmax", "x", x.shape);
  return host(x.shape, softmaxCpu(x.data, rows, cols));
}

export function softmaxLse(_k: unknown, x: Host, opts: SoftmaxOptions = {}): { y: Host; lse: Host } {
  const { rows, cols } = softmaxDims("softmaxLse", "x", x.shape);
  const lse = alloc(x.data, rows);
  const y = softmaxCpu(x.data, rows, cols, { ...opts, lse }, "softmaxLse");
  return { y: host(x.shape, y), lse: host(x.shape.slice(0, -1), lse) };
}

export function softmaxBackward(_k: unknown, y: Host, dy: Host): Host {
  const { rows, cols } = softmaxBackwardDims(y.shape, dy.shape);
  return host(y.shape, softmaxBackwardCpu(y.data, dy.data, rows, cols));
}

// ---- the arithmetic --------------------------------------------------------------------------------------

export interface SoftmaxCpuOptions extends SoftmaxOptions {
  /** When given (`rows` floats), also write each row's log-sum-exp here. */
  lse?: FloatArray;
}

export function softmaxCpu(
  x: FloatArray,
  rows: number,
  cols: number,
  opts: SoftmaxCpuOptions = {},
  op = "softmax",
): FloatArray {
  checkSoftmaxOptions(op, rows, opts);
  const scale = opts.scale ?? 1;
  const y = alloc(x, rows * cols);
  const z = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const kept = keptColumns(r, cols, opts.causalT);
    let m = -Infinity;
    let poisoned = false;
    for (let j = 0; j < kept; j++) {
      const v = x[o + j]!;
      // -Infinity is dropped explicitly (not via scale·v), so a zero or negative scale cannot turn it into NaN.
      z[j] = v === -Infinity ? -Infinity : scale * v;
      if (Number.isNaN(z[j]!) || z[j] === Infinity) poisoned = true;
      if (z[j]! > m) m = z[j]!;
    }
    if (poisoned) {
      y.fill(Number.NaN, o, o + kept);
      if (opts.lse) opts.lse[r] = Number.NaN;
      continue;
    }
    if (m === -Infinity) {
      // Nothing kept: y stays 0.
      if (opts.lse) opts.lse[r] = -Infinity;
      continue;
    }
    let s = 0;
    for (let j = 0; j < kept; j++) {
      const e = Math.exp(z[j]! - m); // exp(-Infinity) = 0 for dropped entries
      z[j] = e;
      s += e;
    }
    for (let j = 0; j < kept; j++) y[o + j] = z[j]! / s;
    if (opts.lse) opts.lse[r] = m + Math.log(s);
  }
  return y;
}

/**
 * Backward of softmax from its output: dx_j = y_j · (dy_j − Σ_k dy_k·y_k) per row. An entry with y_j = 0
 * (masked, -Infinity, or underflowed) is left out of the sum and gets dx_j = 0, whatever dy_j holds; so rows
 * that were fully masked get dx = 0.
 */
export function softmaxBackwardCpu(y: FloatArray, dy: FloatArray, rows: number, cols: number): FloatArray {
  const dx = alloc(y, rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) if (y[o + j] !== 0) dot += dy[o + j]! * y[o + j]!;
    for (let j = 0; j < cols; j++) dx[o + j] = y[o + j] === 0 ? 0 : y[o + j]! * (dy[o + j]! - dot);
  }
  return dx;
}
