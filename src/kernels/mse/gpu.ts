// WebGPU dispatch of the mean squared error: ceil(n / MSE_CHUNK) partial sums, then their total / n in one
// invocation; the backward is one invocation per element.

import mseBackwardCode from "../../../shaders/mse-backward.wgsl?raw";
import mseMean from "../../../shaders/mse-mean.wgsl?raw";
import msePartial from "../../../shaders/mse-partial.wgsl?raw";
import { type GpuArray, type GpuOpContext, grid, output, withScratch } from "../launch";
import { mseDims } from "./shape";

/** Elements summed by one invocation of mse-partial.wgsl (its CHUNK override). */
export const MSE_CHUNK = 256;

export function mse<T extends GpuArray>(k: GpuOpContext<T>, pred: T, target: T): T {
  const n = mseDims("mse", pred.shape, target.shape);
  const P = Math.ceil(n / MSE_CHUNK);
  return output(k, "mse", [], (loss) =>
    withScratch(k.rt, P * 4, "mse:partial", (partial) => {
      k.rt.dispatch(
        { name: "mse-partial", code: msePartial },
        { CHUNK: MSE_CHUNK },
        [pred.buffer, target.buffer, partial],
        [n, P],
        grid(k.rt, P, 64, k.launch),
      );
      k.rt.dispatch({ name: "mse-mean", code: mseMean }, {}, [partial, loss.buffer], [n, P], [1]);
    }),
  );
}

export function mseBackward<T extends GpuArray>(k: GpuOpContext<T>, pred: T, target: T, dloss: T): T {
  const n = mseDims("mseBackward", pred.shape, target.shape, dloss.shape);
  return output(k, "mseBackward", pred.shape, (dpred) =>
    k.rt.dispatch(
      { name: "mse-backward", code: mseBackwardCode },
      {},
      [pred.buffer, target.buffer, dloss.buffer, dpred.buffer],
      [n],
      grid(k.rt, n, 64, k.launch),
    ),
  );
}
