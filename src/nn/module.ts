// Modules own named parameters; layers are built from the differentiable ops in src/autograd.

import type { Context, Variable } from "../autograd/variable";
import type { Shape } from "../backend/contract";
import type { Rng } from "../util/rng";

export abstract class Module {
  private params: [string, Variable][] = [];
  private children: [string, Module][] = [];

  constructor(readonly ctx: Context) {}

  /** Register a trainable parameter initialised from `init` (one value per element). */
  protected param(name: string, shape: Shape, init: (i: number) => number): Variable {
    let n = 1;
    for (const d of shape) n *= d;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = init(i);
    const v = this.ctx.param(data, shape, name);
    this.params.push([name, v]);
    return v;
  }

  protected child<M extends Module>(name: string, m: M): M {
    this.children.push([name, m]);
    return m;
  }

  /** Every parameter with a dotted path name (e.g. "blocks.0.attn.q.weight"), in a stable order. */
  namedParameters(prefix = ""): [string, Variable][] {
    const out: [string, Variable][] = this.params.map(([n, v]) => [prefix + n, v]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** Total number of scalar parameters. */
  parameterCount(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }
}

/** Uniform(−1/√fanIn, 1/√fanIn), the classic default for linear layers. */
export function uniformInit(rng: Rng, fanIn: number): (i: number) => number {
  const bound = 1 / Math.sqrt(Math.max(1, fanIn));
  return () => rng.uniform(-bound, bound);
}

export const zerosInit = () => 0;
export const onesInit = () => 1;
