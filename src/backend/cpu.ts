// The CPU backend: plain TypeScript, float64 accumulation, as a table from op name to CPU entry. Configurations:
// the default runs the fastest verified variant of each op (today the ikj4 matmul and the rows4 attention); `CpuBackend.reference()` runs
// the reference of every op, the spec `verify` and the gradient checks compare against (in float64 storage for
// gradient checks: `reference("f64")`). `checkIndices` (a debug mode) throws on an out-of-range embedding id or
// class target instead of giving zeros as every backend does.

import type { CpuOpContext, Host } from "../kernels/float-array";
import * as referenceOps from "../kernels/reference-ops";
import type { CpuVariants } from "../kernels/variants";
import type { Backend } from "./contract";
import { CpuTensor } from "./cpu-tensor";
import { type Storage, TableBackend, tableOf } from "./table";

export const CPU_OPS = tableOf<CpuOpContext, Host>(referenceOps);

/** The reference of every op: what the other variants are verified against. */
export const CPU_REFERENCE: CpuVariants = { matmul: "reference", attention: "reference" };
/** The fastest verified variant of every op: the default. */
export const CPU_FASTEST: CpuVariants = { matmul: "ikj4", attention: "rows4" };

export interface CpuOptions {
  /** "f64" stores tensors as Float64Array: for gradient checks by finite differences. */
  precision?: "f32" | "f64";
  variants?: Partial<CpuVariants>;
  /** Throw on an embedding id or class target outside [0, limit) (a debug mode). */
  checkIndices?: boolean;
}

/** Values in a Float32Array (or Float64Array); a result of the table is wrapped where it is a fresh host array. */
function storage(precision: "f32" | "f64"): Storage<CpuTensor> {
  const wrap = (x: unknown): unknown => {
    if (!x || typeof x !== "object" || x instanceof CpuTensor) return x;
    if ("data" in x && "shape" in x) return new CpuTensor([...(x as Host).shape], (x as Host).data);
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, wrap(v)]));
  };
  return {
    name: "cpu",
    is: (t): t is CpuTensor => t instanceof CpuTensor,
    make: (data, shape) =>
      new CpuTensor(shape, precision === "f64" ? Float64Array.from(data) : Float32Array.from(data)),
    read: async (t) => Float32Array.from(t.data),
    view: (t, shape) => new CpuTensor(shape, t.data),
    copy: (dst, src) => dst.data.set(src.data),
    wrap,
  };
}

export class CpuBackend extends TableBackend<CpuTensor, CpuOpContext> implements Backend, CpuOpContext {
  readonly precision: "f32" | "f64";
  variants: CpuVariants;
  readonly checkIndices: boolean;

  constructor(opts: CpuOptions = {}) {
    const precision = opts.precision ?? "f32";
    super(storage(precision), CPU_OPS);
    this.precision = precision;
    this.variants = { ...CPU_FASTEST, ...opts.variants };
    this.checkIndices = opts.checkIndices ?? false;
  }

  /** The reference configuration: every op's reference variant, float64 accumulation. */
  static reference(precision: "f32" | "f64" = "f32"): CpuBackend {
    return new CpuBackend({ precision, variants: CPU_REFERENCE });
  }

  get description(): string {
    const { matmul, attention } = this.variants;
    const fast = [
      matmul !== "reference" ? `matmul ${matmul}` : "",
      attention !== "reference" ? `attention ${attention}` : "",
    ];
    const v = fast.filter(Boolean).join(", ") || "reference";
    return `JavaScript (float64 accumulation, ${v})`;
  }

  protected context(): CpuOpContext {
    return this;
  }
}
