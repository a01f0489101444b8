// CPU reference of the mean squared error and its backward: the spec the WGSL kernels are checked against.

import { alloc, allocFrom, type Host, host } from "../float-array";
import { mseDims } from "./shape";

/** mean((pred − target)²) over every element → []. */
export function mse(_k: unknown, pred: Host, target: Host): Host {
  const n = mseDims("mse", pred.shape, target.shape);
  let s = 0;
  for (let i = 0; i < n; i++) s += (pred.data[i]! - target.data[i]!) ** 2;
  return host([], allocFrom(pred.data, [s / n]));
}

/** dpred = 2·(pred − target)·dloss/n. */
export function mseBackward(_k: unknown, pred: Host, target: Host, dloss: Host): Host {
  const n = mseDims("mseBackward", pred.shape, target.shape, dloss.shape);
  const scale = (2 * dloss.data[0]!) / n;
  const d = alloc(pred.data, n);
  for (let i = 0; i < n; i++) d[i] = (pred.data[i]! - target.data[i]!) * scale;
  return host(pred.shape, d);
}
