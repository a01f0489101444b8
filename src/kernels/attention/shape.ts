// Shape rules, options, variant names and limits of scaled dot-product attention, shared by the CPU reference,
// the WGSL kernels, the backward and the tests.
//
//   q:   [B, H, T, d]   T query rows per (batch, head)
//   k:   [B, H, S, d]   S keys
//   v:   [B, H, S, d]   one value row per key (same shape as k)
//   out: [B, H, T, d]
//   lse: [B, H, T]      log Σⱼ exp(sᵢⱼ), natural log, after scale and mask
//
// sᵢⱼ = scale · qᵢ·kⱼ, scale any finite number (negative and 0 included), defaulting to 1/sqrt(d). With `causal`, query i sees keys j <= i + (S - T): the
// last query row sees every key, so T = S gives the usual lower triangle and T < S is "T new tokens after
// S - T cached ones". When T > S the first T - S rows see no key at all: such a fully masked row is defined as
// out = 0 and lse = -Infinity (the limit of an empty sum), on every backend.

import { checkNumber, checkShape, fmt, type Shape, ShapeError } from "../validate";

export interface AttentionOptions {
  /** Query i sees keys j <= i + (S - T) (aligned at the end, so T = S gives the usual lower triangle). */
  causal?: boolean;
  /** Multiplies Q·Kᵀ; defaults to 1/sqrt(d). */
  scale?: number;
}

/** fused: online softmax over key blocks, no T×S matrix in memory; unfused: matmul, softmax, matmul. */
export const ATTENTION_VARIANTS = ["fused", "unfused"] as const;
export type AttentionVariant = (typeof ATTENTION_VARIANTS)[number];
/** reference: one query row at a time (the spec); rows4: 4 query rows per pass over the keys (fast.ts), forward and backward. */
export const ATTENTION_CPU_VARIANTS = ["reference", "rows4"] as const;

/**
 * Largest head size of the fused kernels, forward and backward: their private arrays hold MAX_D4 = 32 vec4s
 * (shaders/attention-fused.wgsl, attention-backward-dq.wgsl, attention-backward-dkdv.wgsl). Above it the
 * unfused path runs and the backend counts the fallback.
 */
export const ATTENTION_FUSED_MAX_D = 128;

/** The path that serves a request for `variant` at head size d. */
export function attentionPath(variant: AttentionVariant, d: number): AttentionVariant {
  return variant === "fused" && d <= ATTENTION_FUSED_MAX_D ? "fused" : "unfused";
}

export interface AttentionDims {
  B: number;
  H: number;
  T: number;
  S: number;
  d: number;
  scale: number;
  causal: boolean;
  out: number[];
  lse: number[];
}

function rank4(arg: string, shape: Shape): void {
  checkShape("attention", arg, shape);
  if (shape.length !== 4)
    throw new ShapeError("attention", arg, "must have rank 4 [B, H, rows, d]", fmt(shape));
}

export function attentionDims(q: Shape, k: Shape, v: Shape, opts: AttentionOptions = {}): AttentionDims {
  rank4("q", q);
  rank4("k", k);
  rank4("v", v);
  const [B, H, T, d] = q as [number, number, number, number];
  const [kB, kH, S, kd] = k as [number, number, number, number];
  if (d < 1) throw new ShapeError("attention", "q", "must have a head size d >= 1", fmt(q));
  if (kB !== B || kH !== H || kd !== d) {
    throw new ShapeError(
      "attention",
      "k",
      `must have shape [${B}, ${H}, S, ${d}] to match q ${fmt(q)}`,
      fmt(k),
    );
  }
  if (v.some((n, i) => n !== k[i])) {
    throw new ShapeError("attention", "v", `must have the shape of k ${fmt(k)}`, fmt(v));
  }
  const scale = opts.scale ?? 1 / Math.sqrt(d);
  // Any finite scale: 0 gives uniform weights, a negative one favours the least similar keys. The kernels'
  // online softmax starts its running max at a finite floor, so no sign of score is special.
  checkNumber("attention", "scale", scale);
  return { B, H, T, S, d, scale, causal: !!opts.causal, out: [B, H, T, d], lse: [B, H, T] };
}

/** Number of keys query row i may see: all S, or with `causal` j <= i + (S - T), clamped to [0, S]. */
export function visibleKeys(dims: AttentionDims, i: number): number {
  if (!dims.causal) return dims.S;
  return Math.max(0, Math.min(dims.S, i + dims.S - dims.T + 1));
}
