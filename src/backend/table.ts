// A backend built from a table: one implementation per op of the contract, written against the backend's own
// tensor type, plus the storage of that type. This file holds what every backend shares: the one generic
// argument unwrap (a foreign or disposed tensor is refused naming the op and argument), output wrapping, and the
// fallback counts. Adding a backend is a tensor type (`Storage`) and a table (`OpTable`).

import { checkData, checkShape, type Shape, ShapeError, sizeOf } from "../kernels/validate";
import {
  type Backend,
  type BackendName,
  type FallbackCounts,
  OP_ARGS,
  type OpName,
  type Tensor,
} from "./contract";

/** X with every Tensor in it replaced by T (arrays and option objects included). */
export type Native<X, T> = X extends Tensor
  ? T
  : X extends readonly (infer E)[]
    ? readonly Native<E, T>[]
    : X extends object
      ? { [K in keyof X]: Native<X[K], T> }
      : X;

/** A parameter list with Native applied to each entry (a mapped tuple stays a tuple). */
type NativeArgs<P extends unknown[], T> = { [I in keyof P]: Native<P[I], T> };

/** Every op on tensors of type `In` (returning `Out`), given the backend's context `C` first. */
export type OpTable<C, In, Out = In> = {
  [K in OpName]: (
    ctx: C,
    ...args: NativeArgs<Parameters<Backend[K]>, In>
  ) => Native<ReturnType<Backend[K]>, Out>;
};

/**
 * The op folder (src/kernels/<folder>/, as a module of one backend's entries) that holds each op, named as the
 * module is imported. A backend whose entries all live in the op folders builds its table with `tableOf`.
 */
export const OP_MODULE = {
  matmul: "matmul",
  softmax: "softmax",
  softmaxLse: "softmax",
  softmaxBackward: "softmax",
  attention: "attention",
  attentionBackward: "attentionBackward",
  permute: "elementwise",
  unary: "elementwise",
  unaryBackward: "elementwise",
  binary: "elementwise",
  affine: "elementwise",
  sumTo: "elementwise",
  sum: "elementwise",
  layerNorm: "layerNorm",
  layerNormBackward: "layerNorm",
  embedding: "embedding",
  embeddingBackward: "embedding",
  crossEntropy: "crossEntropy",
  crossEntropyBackward: "crossEntropy",
  mse: "mse",
  mseBackward: "mse",
  mixture: "mixture",
  mixtureBackward: "mixture",
  sumSquares: "optim",
  sgdStep: "optim",
  adamStep: "optim",
} as const satisfies Record<OpName, string>;

type OpModuleName = (typeof OP_MODULE)[OpName];

/** Per op module, the entries of its ops (checked against the table's types). */
export type OpModules<C, In, Out = In> = {
  [M in OpModuleName]: {
    [K in OpName as (typeof OP_MODULE)[K] extends M ? K : never]: OpTable<C, In, Out>[K];
  };
};

/** The table that takes each op's entry from its module. */
export function tableOf<C, In, Out = In>(modules: OpModules<C, In, Out>): OpTable<C, In, Out> {
  const table: Record<string, unknown> = {};
  for (const [op, module] of Object.entries(OP_MODULE)) {
    table[op] = (modules[module] as Record<string, unknown>)[op];
  }
  return table as OpTable<C, In, Out>;
}

/** The tensor type of a backend: how values are stored, made, read, viewed and copied. */
export interface Storage<T extends Tensor> {
  readonly name: BackendName;
  is(t: Tensor): t is T;
  make(data: Float32Array | Float64Array | readonly number[], shape: Shape): T;
  read(t: T): Promise<Float32Array>;
  /** The same storage under another shape of equal size. */
  view(t: T, shape: Shape): T;
  copy(dst: T, src: T): void;
  /** Wrap an op's result (an output the table made, in the backend's own form) as a tensor. */
  wrap(x: unknown): unknown;
}

/** The name errors give an op: unary and binary ops are named by their op ("relu", "reluBackward", "add"). */
function label(op: OpName, args: readonly unknown[]): string {
  if (op === "unary" || op === "binary") return String(args[0]);
  if (op === "unaryBackward") return `${String(args[0])}Backward`;
  return op;
}

// The op methods (matmul, softmax, ...) are put on the prototype below, one per entry of OP_ARGS; this
// declaration gives them their contract types.
// biome-ignore lint/correctness/noUnusedVariables: the type parameters must match the class's
export interface TableBackend<T extends Tensor, C> extends Pick<Backend, OpName> {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface's methods are installed on the prototype below
export abstract class TableBackend<T extends Tensor, C> {
  readonly fallbacks: FallbackCounts = {};

  constructor(
    readonly storage: Storage<T>,
    readonly table: OpTable<C, never, unknown>,
  ) {}

  /** What the table's entries receive first: the variants in force and the like. */
  protected abstract context(): C;

  get name(): BackendName {
    return this.storage.name;
  }

  /** The tensor as this backend's, or a ShapeError naming op and argument. */
  own(op: string, arg: string, t: Tensor): T {
    if (!this.storage.is(t)) {
      const got = t && typeof t === "object" && "backend" in t ? `a ${t.backend} tensor` : String(t);
      throw new ShapeError(op, arg, `must be a tensor of the ${this.storage.name} backend`, got);
    }
    return t;
  }

  /** Count a request served by another path than the one asked for. */
  countFallback(key: string): void {
    this.fallbacks[key] = (this.fallbacks[key] ?? 0) + 1;
  }

  /** Replace every tensor in an argument by this backend's own (arrays and option objects walked one level). */
  private unwrap(op: string, name: string, x: unknown): unknown {
    if (isTensor(x)) return this.own(op, name, x);
    if (Array.isArray(x)) return x.map((e, i) => (isTensor(e) ? this.own(op, `${name}[${i}]`, e) : e));
    if (x && typeof x === "object" && Object.values(x).some(isTensor)) {
      const entries = Object.entries(x).map(([key, v]) => {
        const arg = name === "opts" ? key : `${name}.${key}`;
        return [key, isTensor(v) ? this.own(op, arg, v) : v];
      });
      return Object.fromEntries(entries);
    }
    return x;
  }

  /** Run an op of the table on this backend's tensors. */
  call(op: OpName, args: readonly unknown[]): unknown {
    const at = label(op, args);
    const names = OP_ARGS[op];
    const native = args.map((a, i) => this.unwrap(at, names[i] ?? `arg${i}`, a));
    const run = this.table[op] as (ctx: C, ...a: unknown[]) => unknown;
    return this.storage.wrap(run(this.context(), ...native));
  }

  tensor(data: Float32Array | Float64Array | readonly number[], shape: Shape): Tensor {
    checkShape("tensor", "shape", shape);
    checkData("tensor", "data", data as ArrayLike<number>, shape);
    return this.storage.make(data, [...shape]);
  }

  zeros(shape: Shape): Tensor {
    checkShape("zeros", "shape", shape);
    return this.storage.make(new Float32Array(sizeOf(shape)), [...shape]);
  }

  // async: a wrong or disposed tensor rejects the promise like every other read failure, not a synchronous throw.
  async read(t: Tensor): Promise<Float32Array> {
    return this.storage.read(this.own("read", "t", t));
  }

  reshape(x: Tensor, shape: Shape): Tensor {
    const X = this.own("reshape", "x", x);
    checkShape("reshape", "shape", shape);
    if (sizeOf(shape) !== X.size) {
      const expected = `must have ${X.size} elements like [${X.shape.join(", ")}]`;
      throw new ShapeError("reshape", "shape", expected, `[${shape.join(", ")}]`);
    }
    return this.storage.view(X, [...shape]);
  }

  copyInto(dst: Tensor, src: Tensor): void {
    const D = this.own("copyInto", "dst", dst);
    const S = this.own("copyInto", "src", src);
    if (D.size !== S.size)
      throw new ShapeError("copyInto", "src", `must have ${D.size} elements`, `${S.size}`);
    this.storage.copy(D, S);
  }
}

function isTensor(x: unknown): x is Tensor {
  return !!x && typeof x === "object" && "backend" in x && "shape" in x && "dispose" in x;
}

for (const op of Object.keys(OP_ARGS) as OpName[]) {
  Object.defineProperty(TableBackend.prototype, op, {
    value(this: TableBackend<Tensor, unknown>, ...args: unknown[]) {
      return this.call(op, args);
    },
    writable: true,
    configurable: true,
  });
}
