// Gradient checking by central finite differences: the analytic gradients of backward() against
// (L(x + h) − L(x − h)) / 2h for every input element. Run it on a float64 CPU backend
// (`CpuBackend.reference("f64")`), where a step of h = 1e-6 leaves truncation and rounding errors
// near 1e-9, so a tolerance of 1e-6 separates a right gradient from a wrong one by orders of magnitude.

import type { Backend } from "../backend/contract";
import type { CpuTensor } from "../backend/cpu-tensor";
import { Rng } from "../util/rng";
import * as op from "./ops";
import { Context, type Variable } from "./variable";

export interface GradInput {
  shape: number[];
  data: ArrayLike<number>;
  /** Leave out of the check (e.g. integer ids). */
  constant?: boolean;
}

export interface GradCheckResult {
  maxAbsErr: number;
  maxRelErr: number;
  /** Elements compared. */
  count: number;
  pass: boolean;
  /** The first failing element: "input 1 [5]: analytic 0.3 vs numeric 0.31". */
  detail: string;
}

/** A scalar loss from any tensor: Σ w ⊙ out with fixed random weights, so every output element matters. */
export function weightedSum(out: Variable, seed = 7): Variable {
  const n = out.size;
  const rng = new Rng(seed);
  const w = out.ctx.constant(rng.fill(n, -1, 1), [...out.shape]);
  return op.sum(op.reshape(op.mul(out, w), [n]), 0);
}

/**
 * Check d f(inputs) / d inputs. `f` builds the scalar loss from Variables (one per input, in order).
 * |analytic − numeric| <= atol + rtol·|numeric| for every element of every non-constant input.
 */
export function gradCheck(
  backend: Backend,
  inputs: GradInput[],
  f: (vars: Variable[]) => Variable,
  tol: GradTolerance = {},
): GradCheckResult {
  const ctx = new Context(backend);
  const vars = inputs.map((x) =>
    x.constant ? ctx.constant(Array.from(x.data), x.shape, true) : ctx.param(Array.from(x.data), x.shape),
  );
  const result = gradCheckVars(
    ctx,
    vars.filter((_, k) => !inputs[k]!.constant),
    () => f(vars),
    tol,
  );
  for (const v of vars) v.free();
  return result;
}

export interface GradTolerance {
  h?: number;
  atol?: number;
  rtol?: number;
}

/**
 * Check the gradients that `loss()` (a fresh forward pass each call) sends to the leaf Variables `leaves`
 * (trainable: parameters of a layer, or inputs made with ctx.param). Their values are perturbed in place.
 */
export function gradCheckVars(
  ctx: Context,
  leaves: Variable[],
  loss: () => Variable,
  { h = 1e-6, atol = 1e-6, rtol = 1e-5 }: GradTolerance = {},
): GradCheckResult {
  for (const v of leaves) v.zeroGrad();
  loss().backward();
  const analytic = leaves.map((v) =>
    v.grad ? Array.from((v.grad as CpuTensor).data) : new Array(v.size).fill(0),
  );
  for (const v of leaves) v.zeroGrad();
  ctx.endStep();

  const evaluate = (): number =>
    ctx.noGrad(() => {
      const value = (loss().value as CpuTensor).data[0]!;
      ctx.endStep();
      return value;
    });

  let maxAbsErr = 0;
  let maxRelErr = 0;
  let count = 0;
  let detail = "";
  leaves.forEach((v, k) => {
    const data = (v.value as CpuTensor).data;
    for (let i = 0; i < data.length; i++) {
      const x0 = data[i]!;
      data[i] = x0 + h;
      const up = evaluate();
      data[i] = x0 - h;
      const down = evaluate();
      data[i] = x0;
      const numeric = (up - down) / (2 * h);
      const a = analytic[k]![i]!;
      const err = Math.abs(a - numeric);
      maxAbsErr = Math.max(maxAbsErr, err);
      if (numeric !== 0) maxRelErr = Math.max(maxRelErr, err / Math.abs(numeric));
      count++;
      if (!(err <= atol + rtol * Math.abs(numeric)) && !detail) {
        detail = `${v.name} #${k} [${i}]: analytic ${a} vs numeric ${numeric}`;
      }
    }
  });
  return { maxAbsErr, maxRelErr, count, pass: detail === "", detail };
}
