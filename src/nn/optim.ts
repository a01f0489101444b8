// Optimizers over a module's parameters. Each step is one fused kernel per parameter on the backend
// (see contract: sgdStep, adamStep), with gradient clipping by global norm computed on the device: the
// squared norm never comes back to the CPU unless asked for, and a non-finite norm makes the step a no-op.

import type { Variable } from "../autograd/variable";
import type { AdamParams, Backend, ClipArgs, Tensor } from "../backend/contract";

export interface OptimizerConfig {
  kind: "sgd" | "adam";
  /** Learning rate (the schedule multiplies it). */
  lr: number;
  /** SGD momentum; 0 gives plain SGD. */
  momentum?: number;
  /** Adam betas and epsilon; defaults 0.9, 0.999, 1e-8. */
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** SGD: coupled L2; Adam: decoupled (AdamW). Default 0. */
  weightDecay?: number;
  /** Clip the global gradient norm to this; Infinity (the default) only guards against non-finite gradients. */
  clipNorm?: number;
  /** Decay only parameters of rank >= 2 (weight matrices, embedding tables), not biases or LayerNorm gains. */
  decayMatricesOnly?: boolean;
}

export class OptimizerError extends Error {
  override name = "OptimizerError";
}

/** Reject bad hyperparameters before the first step, naming them. */
export function checkOptimizerConfig(c: OptimizerConfig): void {
  const bad = (name: string, v: unknown, want: string) => {
    throw new OptimizerError(`optimizer: ${name} must be ${want}, got ${String(v)}`);
  };
  if (c.kind !== "sgd" && c.kind !== "adam") bad("kind", c.kind, `"sgd" or "adam"`);
  if (!Number.isFinite(c.lr) || c.lr < 0) bad("lr", c.lr, "a finite number >= 0");
  const unit = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v < 1)) bad(name, v, "in [0, 1)");
  };
  unit("momentum", c.momentum);
  unit("beta1", c.beta1);
  unit("beta2", c.beta2);
  if (c.eps !== undefined && !(Number.isFinite(c.eps) && c.eps > 0)) bad("eps", c.eps, "a finite number > 0");
  if (c.weightDecay !== undefined && !(Number.isFinite(c.weightDecay) && c.weightDecay >= 0)) {
    bad("weightDecay", c.weightDecay, "a finite number >= 0");
  }
  if (c.clipNorm !== undefined && !(c.clipNorm > 0))
    bad("clipNorm", c.clipNorm, "> 0 (Infinity for no clipping)");
}

export class Optimizer {
  /** Steps taken (Adam's bias correction uses it). */
  t = 0;
  /** Optimizer state per parameter: SGD momenta, or Adam's first and second moments. */
  state: Tensor[][];
  private readonly be: Backend;

  constructor(
    readonly params: Variable[],
    readonly config: OptimizerConfig,
  ) {
    checkOptimizerConfig(config);
    if (params.length === 0) throw new OptimizerError("optimizer: no parameters to optimise");
    this.be = params[0]!.backend;
    const slots = config.kind === "adam" ? 2 : 1;
    this.state = Array.from({ length: slots }, () => params.map((p) => this.be.zeros(p.shape)));
  }

  /**
   * Apply one update with learning rate `lr` (from a schedule; defaults to config.lr). Parameters without a
   * gradient count as zero gradient. Returns the squared global gradient norm as a [1] tensor on the device
   * (the caller reads it when it wants, e.g. together with the loss), which the caller must dispose.
   */
  step(lr = this.config.lr): Tensor {
    if (!Number.isFinite(lr) || lr < 0)
      throw new OptimizerError(`optimizer: lr must be a finite number >= 0, got ${lr}`);
    const grads = this.params.map((p) => p.grad ?? this.be.zeros(p.shape));
    const sumSq = this.be.sumSquares(grads);
    const clip: ClipArgs = { sumSq, maxNorm: this.config.clipNorm ?? Infinity };
    this.t++;
    const wd = this.config.weightDecay ?? 0;
    // One update per group of parameters sharing a weight decay; every group is clipped by the same global norm.
    const groups: [number[], number][] = [];
    if (this.config.decayMatricesOnly && wd > 0) {
      const idx = this.params.map((_, i) => i);
      const matrices = idx.filter((i) => this.params[i]!.shape.length >= 2);
      const others = idx.filter((i) => this.params[i]!.shape.length < 2);
      if (matrices.length) groups.push([matrices, wd]);
      if (others.length) groups.push([others, 0]);
    } else {
      groups.push([this.params.map((_, i) => i), wd]);
    }
    for (const [idx, weightDecay] of groups) {
      const pick = <T>(xs: readonly T[]) => idx.map((i) => xs[i]!);
      const values = pick(this.params).map((p) => p.value);
      if (this.config.kind === "adam") {
        const hp: AdamParams = {
          lr,
          beta1: this.config.beta1 ?? 0.9,
          beta2: this.config.beta2 ?? 0.999,
          eps: this.config.eps ?? 1e-8,
          weightDecay,
          step: this.t,
        };
        this.be.adamStep(values, pick(grads), pick(this.state[0]!), pick(this.state[1]!), hp, clip);
      } else {
        const hp = { lr, momentum: this.config.momentum ?? 0, weightDecay };
        this.be.sgdStep(values, pick(grads), pick(this.state[0]!), hp, clip);
      }
    }
    grads.forEach((g, i) => {
      if (!this.params[i]!.grad) g.dispose();
    });
    return sumSq;
  }

  /** Free the optimizer state. */
  dispose(): void {
    for (const slot of this.state) for (const t of slot) t.dispose();
  }
}
