// A checkpoint: parameters and optimizer state copied to the CPU, enough to resume on any backend.

import type { Backend, Tensor } from "../backend/contract";
import type { Module } from "../nn/module";
import type { Optimizer } from "../nn/optim";

export interface Checkpoint {
  /** Steps completed when it was taken. */
  step: number;
  /** Parameter values by name. */
  params: Record<string, { shape: number[]; data: Float32Array }>;
  /** Optimizer state per slot, in parameter order. */
  state: Float32Array[][];
  /** The optimizer's step counter (Adam bias correction). */
  t: number;
}

export async function takeCheckpoint(step: number, model: Module, opt: Optimizer): Promise<Checkpoint> {
  const be = opt.params[0]!.backend;
  const params: Checkpoint["params"] = {};
  for (const [name, v] of model.namedParameters())
    params[name] = { shape: [...v.shape], data: await v.read() };
  const state: Float32Array[][] = [];
  for (const slot of opt.state) state.push(await Promise.all(slot.map((t) => be.read(t))));
  return { step, params, state, t: opt.t };
}

/** Overwrite a freshly built model's parameters and optimizer state with a checkpoint's. */
export function restoreCheckpoint(cp: Checkpoint, model: Module, opt: Optimizer): void {
  const be: Backend = opt.params[0]!.backend;
  for (const [name, v] of model.namedParameters()) {
    const saved = cp.params[name];
    if (!saved) throw new Error(`checkpoint has no parameter '${name}'`);
    if (saved.data.length !== v.size) {
      throw new Error(
        `checkpoint parameter '${name}' has ${saved.data.length} values, the model expects ${v.size}`,
      );
    }
    overwrite(be, v.value, saved.data);
  }
  cp.state.forEach((slot, s) => {
    slot.forEach((data, i) => {
      overwrite(be, opt.state[s]![i]!, data);
    });
  });
  opt.t = cp.t;
}

function overwrite(be: Backend, dst: Tensor, data: Float32Array): void {
  const t = be.tensor(data, dst.shape);
  be.copyInto(dst, t);
  t.dispose();
}
