// The CPU reference of the fused mixture layer and its backward: the spec the WGSL and wasm kernels are checked
// against. Float64 throughout, results stored in the inputs' precision. Per model k and row n:
//   sₑ = bₛₑ + Σ_f x_f·Wₛ[f, e]      rₑ = bᵥₑ + Σ_f x_f·Wᵥ[f, e]      aₑ = softmax(s)ₑ      y = Σ_{aₑ ≠ 0} aₑ·rₑ
// and from dy: drₑ = dy·aₑ, dsₑ = aₑ·dy·(rₑ − y) (the softmax backward of daₑ = dy·rₑ), which give
//   dWᵥ[f, e] = Σₙ x_f·drₑ, dbᵥₑ = Σₙ drₑ, the same for the scores, and dx_f = Σₖ Σₑ Wᵥ[f, e]·drₑ + Wₛ[f, e]·dsₑ.
// Experts with aₑ = 0 take no part (see shape.ts).

import { alloc, allocFrom, type FloatArray, type Host, host } from "../float-array";
import { softmaxCpu } from "../softmax/reference";
import {
  biasShapes,
  type MixtureBiases,
  type MixtureDims,
  type MixtureGradsOf,
  mixtureBackwardDimsOf,
  mixtureDims,
} from "./shape";

/** bias[k, e] + Σ_f x[n, f]·w[k, f, e] for every (k, n, e), in float64. */
function linear(d: MixtureDims, x: FloatArray, w: FloatArray, bias: FloatArray | undefined): Float64Array {
  const { K, N, F, E } = d;
  const out = new Float64Array(K * N * E);
  for (let k = 0; k < K; k++) {
    for (let n = 0; n < N; n++) {
      const o = (k * N + n) * E;
      for (let e = 0; e < E; e++) {
        let s = bias ? bias[k * E + e]! : 0;
        for (let f = 0; f < F; f++) s += x[n * F + f]! * w[(k * F + f) * E + e]!;
        out[o + e] = s;
      }
    }
  }
  return out;
}

export function mixture(
  _k: unknown,
  x: Host,
  values: Host,
  scores: Host,
  opts: MixtureBiases<Host> = {},
): { y: Host; weights: Host } {
  const d = mixtureDims("mixture", x.shape, values.shape, scores.shape, biasShapes(opts));
  const { K, N, E } = d;
  const a = softmaxCpu(linear(d, x.data, scores.data, opts.scoresBias?.data), K * N, E);
  const r = linear(d, x.data, values.data, opts.valuesBias?.data);
  const y = alloc(x.data, K * N);
  for (let row = 0; row < K * N; row++) {
    let s = 0;
    for (let e = 0; e < E; e++) {
      const w = a[row * E + e]!;
      if (w !== 0) s += w * r[row * E + e]!;
    }
    y[row] = s;
  }
  return { y: host(d.y, y), weights: host(d.weights, allocFrom(x.data, a)) };
}

export function mixtureBackward(
  _k: unknown,
  x: Host,
  values: Host,
  scores: Host,
  weights: Host,
  dy: Host,
  opts: MixtureBiases<Host> = {},
): MixtureGradsOf<Host> {
  const d = mixtureBackwardDimsOf(x, values, scores, weights, dy, opts);
  const { K, N, F, E } = d;
  const [X, Wv, Ws, a, g] = [x.data, values.data, scores.data, weights.data, dy.data];
  const r = linear(d, X, Wv, opts.valuesBias?.data);
  const dr = new Float64Array(K * N * E);
  const ds = new Float64Array(K * N * E);
  for (let row = 0; row < K * N; row++) {
    const o = row * E;
    let y = 0;
    for (let e = 0; e < E; e++) if (a[o + e] !== 0) y += a[o + e]! * r[o + e]!;
    for (let e = 0; e < E; e++) {
      const w = a[o + e]!;
      if (w === 0) continue;
      dr[o + e] = g[row]! * w;
      ds[o + e] = w * g[row]! * (r[o + e]! - y);
    }
  }
  // dW[k, f, e] = Σₙ x[n, f]·dz[k, n, e] (rows with weight 0 skipped), and the bias's Σₙ dz[k, n, e].
  const dW = (dz: Float64Array): FloatArray => {
    const out = new Float64Array(K * F * E);
    for (let k = 0; k < K; k++)
      for (let n = 0; n < N; n++)
        for (let e = 0; e < E; e++) {
          const o = (k * N + n) * E + e;
          if (a[o] === 0) continue;
          for (let f = 0; f < F; f++) out[(k * F + f) * E + e]! += X[n * F + f]! * dz[o]!;
        }
    return allocFrom(X, out);
  };
  const db = (dz: Float64Array): FloatArray => {
    const out = new Float64Array(K * E);
    for (let k = 0; k < K; k++)
      for (let n = 0; n < N; n++)
        for (let e = 0; e < E; e++)
          if (a[(k * N + n) * E + e] !== 0) out[k * E + e]! += dz[(k * N + n) * E + e]!;
    return allocFrom(X, out);
  };
  const dx = alloc(X, N * F);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++) {
      let s = 0;
      for (let k = 0; k < K; k++)
        for (let e = 0; e < E; e++) {
          const o = (k * N + n) * E + e;
          const w = (k * F + f) * E + e;
          if (a[o] !== 0) s += Wv[w]! * dr[o]! + Ws[w]! * ds[o]!;
        }
      dx[n * F + f] = s;
    }
  const bShape = d.stacked ? [K, E] : [E];
  return {
    dx: host(x.shape, dx),
    dvalues: host(values.shape, dW(dr)),
    dscores: host(scores.shape, dW(ds)),
    ...(opts.valuesBias ? { dvaluesBias: host(bShape, db(dr)) } : {}),
    ...(opts.scoresBias ? { dscoresBias: host(bShape, db(ds)) } : {}),
  };
}
