// Reverse-mode autograd over the op contract. A Variable wraps a backend tensor; each op that makes one records
// its parents and a closure that turns the output's gradient into its parents' gradients. `backward()` walks the
// graph in reverse topological order. Nothing here knows WebGPU: the backend does the arithmetic, so the same
// model code trains on the CPU or the GPU.
//
// Memory: every Variable an op creates is recorded on its Context's tape, and `ctx.endStep()` frees them all
// (values, gradients and tensors saved for the backward). Parameters live outside the tape and keep their values;
// their gradients live until `zeroGrad`. A training step therefore allocates the same set of buffers every time,
// which the GPU buffer pool turns into zero new allocations after the first step.

import type { Backend, Shape, Tensor } from "../backend/contract";

export class Context {
  /** Variables made by ops since the last endStep (freed by it). */
  private tape: Variable[] = [];
  /** When false, ops record no graph (evaluation). */
  grad = true;

  constructor(readonly backend: Backend) {}

  /** A trainable leaf: kept across steps, receives a gradient. */
  param(data: Float32Array | readonly number[], shape: Shape, name = "param"): Variable {
    const v = new Variable(this, this.backend.tensor(data, shape), [], null, name);
    v.requiresGrad = true;
    return v;
  }

  /** A non-trainable leaf for this step (inputs, targets); freed by endStep unless `keep`. */
  constant(data: Float32Array | readonly number[], shape: Shape, keep = false): Variable {
    const v = new Variable(this, this.backend.tensor(data, shape), [], null, "const");
    if (!keep) this.tape.push(v);
    return v;
  }

  /** Wrap an existing backend tensor as a constant owned by the tape. */
  wrap(t: Tensor, name = "const"): Variable {
    const v = new Variable(this, t, [], null, name);
    this.tape.push(v);
    return v;
  }

  /** Used by ops: a new Variable computed from `parents`, with its backward closure. */
  record(
    value: Tensor,
    parents: Variable[],
    backward: BackwardFn | null,
    name: string,
    saved: Tensor[] = [],
  ): Variable {
    const needs = this.grad && parents.some((p) => p.requiresGrad);
    const v = new Variable(this, value, needs ? parents : [], needs ? backward : null, name);
    v.requiresGrad = needs;
    v.saved = saved;
    if (!needs) for (const t of saved) t.dispose();
    if (!needs) v.saved = [];
    this.tape.push(v);
    return v;
  }

  /** Free everything the ops of this step created. */
  endStep(): void {
    for (const v of this.tape) v.free();
    this.tape = [];
  }

  /** Run `fn` without recording a graph (evaluation); values are still freed by endStep. */
  noGrad<T>(fn: () => T): T {
    const was = this.grad;
    this.grad = false;
    try {
      return fn();
    } finally {
      this.grad = was;
    }
  }

  get tapeLength(): number {
    return this.tape.length;
  }
}

/** Given the output's gradient, add each parent's gradient with `parent.accumulate(g)`. */
export type BackwardFn = (grad: Tensor) => void;

export class Variable {
  grad: Tensor | null = null;
  requiresGrad = false;
  /** Tensors the backward closure needs (softmax output, layer-norm statistics ...), freed with the Variable. */
  saved: Tensor[] = [];

  constructor(
    readonly ctx: Context,
    public value: Tensor,
    readonly parents: Variable[],
    private backwardFn: BackwardFn | null,
    readonly name: string,
  ) {}

  get shape(): Shape {
    return this.value.shape;
  }

  get size(): number {
    return this.value.size;
  }

  get backend(): Backend {
    return this.ctx.backend;
  }

  /** Add `g` (which this Variable takes ownership of) to the gradient. */
  accumulate(g: Tensor): void {
    if (!this.requiresGrad) {
      g.dispose();
      return;
    }
    if (!this.grad) {
      this.grad = g;
      return;
    }
    const sum = this.backend.binary("add", this.grad, g);
    this.grad.dispose();
    g.dispose();
    this.grad = sum;
  }

  /** Back-propagate from this (scalar) Variable: d(this)/d(this) = 1. */
  backward(): void {
    if (this.size !== 1)
      throw new Error(`backward: start from a scalar, got shape [${this.shape.join(", ")}]`);
    const order = topoSort(this);
    this.accumulate(this.backend.tensor([1], this.shape));
    for (let i = order.length - 1; i >= 0; i--) {
      const v = order[i]!;
      if (!v.backwardFn || !v.grad) continue;
      v.backwardFn(v.grad);
      // An intermediate's gradient is consumed once its parents have theirs: free it now to cap peak memory.
      v.grad.dispose();
      v.grad = null;
    }
  }

  /** Read the values to the CPU. */
  read(): Promise<Float32Array> {
    return this.backend.read(this.value);
  }

  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  free(): void {
    this.value.dispose();
    this.zeroGrad();
    for (const t of this.saved) t.dispose();
    this.saved = [];
    this.backwardFn = null;
  }
}

function topoSort(root: Variable): Variable[] {
  const order: Variable[] = [];
  const seen = new Set<Variable>();
  // Iterative DFS: a deep network would overflow the call stack with recursion.
  const stack: [Variable, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [v, i] = top;
    if (i < v.parents.length) {
      top[1]++;
      const p = v.parents[i]!;
      if (!seen.has(p) && p.requiresGrad) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(v);
    }
  }
  return order;
}
