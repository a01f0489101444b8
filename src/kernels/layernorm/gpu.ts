// WebGPU dispatch of layer norm: one invocation per row forward; backward in two kernels, dx row by row, then
// dgamma and dbeta column by column (each within 8 storage bindings). Barrier-free, which suits SwiftShader and
// is adequate on GPUs for the widths these layers see.

import lnBackwardDx from "../../../shaders/layernorm-backward-dx.wgsl?raw";
import lnBackwardParams from "../../../shaders/layernorm-backward-params.wgsl?raw";
import lnForward from "../../../shaders/layernorm-forward.wgsl?raw";
import { type GpuArray, type GpuOpContext, grid } from "../launch";
import { layerNormBackwardDims, layerNormDims } from "./shape";

export function layerNorm<T extends GpuArray>(
  k: GpuOpContext<T>,
  x: T,
  gamma: T,
  beta: T,
  eps: number,
): { y: T; mean: T; rstd: T } {
  const { rows, C } = layerNormDims(x.shape, gamma.shape, beta.shape, eps);
  const [y, mean, rstd] = k.outputs("layerNorm", [x.shape, [rows], [rows]], (y, mean, rstd) =>
    k.rt.dispatch(
      { name: "layernorm-forward", code: lnForward },
      {},
      [x.buffer, gamma.buffer, beta.buffer, y.buffer, mean.buffer, rstd.buffer],
      [rows, C, { f32: eps }],
      grid(k.rt, rows, 64, k.launch),
    ),
  );
  return { y, mean, rstd };
}

export function layerNormBackward<T extends GpuArray>(
  k: GpuOpContext<T>,
  x: T,
  gamma: T,
  mean: T,
  rstd: T,
  dy: T,
): { dx: T; dgamma: T; dbeta: T } {
  const { rows, C } = layerNormBackwardDims(x.shape, gamma.shape, mean.shape, rstd.shape, dy.shape);
  const [dx, dgamma, dbeta] = k.outputs("layerNormBackward", [x.shape, [C], [C]], (dx, dgamma, dbeta) => {
    k.rt.dispatch(
      { name: "layernorm-backward-dx", code: lnBackwardDx },
      {},
      [x.buffer, gamma.buffer, mean.buffer, rstd.buffer, dy.buffer, dx.buffer],
      [rows, C],
      grid(k.rt, rows, 64, k.launch),
    );
    k.rt.dispatch(
      { name: "layernorm-backward-params", code: lnBackwardParams },
      {},
      [x.buffer, mean.buffer, rstd.buffer, dy.buffer, dgamma.buffer, dbeta.buffer],
      [rows, C],
      grid(k.rt, C, 64, k.launch),
    );
  });
  return { dx, dgamma, dbeta };
}
