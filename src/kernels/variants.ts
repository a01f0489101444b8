// The variants of every op that has more than one, per backend: the lists verification runs every case on and a
// backend can be forced to. Names only (no WGSL), so Node-side tools can list them.

import { ATTENTION_CPU_VARIANTS, ATTENTION_VARIANTS } from "./attention/shape";
import { MATMUL_CPU_VARIANTS, MATMUL_GPU_VARIANTS } from "./matmul/shape";
import { SOFTMAX_VARIANTS } from "./softmax/shape";

export const VARIANTS = {
  webgpu: { matmul: MATMUL_GPU_VARIANTS, softmax: SOFTMAX_VARIANTS, attention: ATTENTION_VARIANTS },
  cpu: { matmul: MATMUL_CPU_VARIANTS, attention: ATTENTION_CPU_VARIANTS },
  // One variant each (src/wasm/assembly): register-blocked SIMD matmul, SIMD row softmax, streaming attention.
  wasm: { matmul: ["simd"], softmax: ["simd"], attention: ["fused"] },
} as const;

type Choice<L> = { -readonly [K in keyof L]: L[K] extends readonly (infer V)[] ? V : never };

/** The variant of each op the WebGPU backend runs; softmax's is also used by the unfused attention path. */
export type GpuVariants = Choice<typeof VARIANTS.webgpu>;
/** The variant of each op the CPU backend runs ("reference" is the float64 spec). */
export type CpuVariants = Choice<typeof VARIANTS.cpu>;
