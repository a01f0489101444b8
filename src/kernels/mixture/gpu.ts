// WebGPU dispatch of the fused mixture layer: the forward one invocation per row; the backward in three kernels
// (per-row gradients of values and scores into scratch, then the weights' and biases' sums per weight, then dx
// per input). Barrier-free; an absent bias binds another buffer in its slot, which the kernel does not touch.

import backwardDx from "../../../shaders/mixture-backward-dx.wgsl?raw";
import backwardParams from "../../../shaders/mixture-backward-params.wgsl?raw";
import backwardRows from "../../../shaders/mixture-backward-rows.wgsl?raw";
import forward from "../../../shaders/mixture-forward.wgsl?raw";
import { type GpuArray, type GpuOpContext, grid, withScratch } from "../launch";
import {
  biasShapes,
  type MixtureBiases,
  type MixtureGradsOf,
  mixtureBackwardDimsOf,
  mixtureDims,
} from "./shape";

export function mixture<T extends GpuArray>(
  k: GpuOpContext<T>,
  x: T,
  values: T,
  scores: T,
  opts: MixtureBiases<T> = {},
): { y: T; weights: T } {
  const d = mixtureDims("mixture", x.shape, values.shape, scores.shape, biasShapes(opts));
  const [y, weights] = k.outputs("mixture", [d.y, d.weights], (y, a) =>
    k.rt.dispatch(
      { name: "mixture-forward", code: forward },
      { HAS_VB: !!opts.valuesBias, HAS_SB: !!opts.scoresBias },
      [
        x.buffer,
        values.buffer,
        scores.buffer,
        (opts.valuesBias ?? values).buffer,
        (opts.scoresBias ?? scores).buffer,
        y.buffer,
        a.buffer,
      ],
      [d.K, d.N, d.F, d.E],
      grid(k.rt, d.K * d.N, 64, k.launch),
    ),
  );
  return { y, weights };
}

export function mixtureBackward<T extends GpuArray>(
  k: GpuOpContext<T>,
  x: T,
  values: T,
  scores: T,
  weights: T,
  dy: T,
  opts: MixtureBiases<T> = {},
): MixtureGradsOf<T> {
  const d = mixtureBackwardDimsOf(x, values, scores, weights, dy, opts);
  const { K, N, F, E } = d;
  const bShape = d.stacked ? [K, E] : [E];
  const hasVb = !!opts.valuesBias;
  const hasSb = !!opts.scoresBias;
  const outShapes = [
    x.shape,
    values.shape,
    scores.shape,
    ...(hasVb ? [bShape] : []),
    ...(hasSb ? [bShape] : []),
  ];
  const outs = k.outputs("mixtureBackward", outShapes, (...o) => {
    const [dx, dv, dsc] = o as [T, T, T];
    const dvb = hasVb ? o[3]! : null;
    const dsb = hasSb ? o[hasVb ? 4 : 3]! : null;
    const dims = [K, N, F, E];
    const bytes = K * N * E * 4;
    withScratch(k.rt, bytes, "mixture:dr", (dr) =>
      withScratch(k.rt, bytes, "mixture:ds", (ds) => {
        k.rt.dispatch(
          { name: "mixture-backward-rows", code: backwardRows },
          { HAS_VB: hasVb },
          [x.buffer, values.buffer, (opts.valuesBias ?? values).buffer, weights.buffer, dy.buffer, dr, ds],
          dims,
          grid(k.rt, K * N, 64, k.launch),
        );
        const params = (dz: GPUBuffer, dw: T, db: T | null, spare: GPUBuffer) =>
          k.rt.dispatch(
            { name: "mixture-backward-params", code: backwardParams },
            { HAS_BIAS: db !== null },
            [x.buffer, weights.buffer, dz, dw.buffer, db ? db.buffer : spare],
            dims,
            grid(k.rt, K * (F + 1) * E, 64, k.launch),
          );
        // Without a bias, the unused slot binds the other scratch buffer (not read in that pass).
        params(dr, dv, dvb, ds);
        params(ds, dsc, dsb, dr);
        k.rt.dispatch(
          { name: "mixture-backward-dx", code: backwardDx },
          {},
          [values.buffer, scores.buffer, weights.buffer, dr, ds, dx.buffer],
          dims,
          grid(k.rt, N * F, 64, k.launch),
        );
      }),
    );
  });
  const [dx, dvalues, dscores] = outs as unknown as [T, T, T];
  return {
    dx,
    dvalues,
    dscores,
    ...(hasVb ? { dvaluesBias: outs[3] as T } : {}),
    ...(hasSb ? { dscoresBias: outs[hasVb ? 4 : 3] as T } : {}),
  };
}
