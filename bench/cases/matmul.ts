// matmul: square sizes and tall/skinny shapes; every WGSL variant, our CPU reference (small sizes: it is the
// clear m-n-k loop), the fast i-k-j CPU variant and our wasm backend (one thread, every core, and one thread
// with the other cores busy), against tf.matMul on webgpu, cpu and wasm.

import { matmulCpuFast } from "../../src/kernels/matmul/fast";
import { matmulCpu } from "../../src/kernels/matmul/reference";
import { MATMUL_GPU_VARIANTS as MATMUL_VARIANT_NAMES, matmulDims } from "../../src/kernels/matmul/shape";
import type { Expected, Group, RunnerSpec } from "../lib/harness";
import { tf } from "../lib/tfjs";
import {
  type BenchContext,
  oursCpu,
  oursGpu,
  oursWasmBoth,
  oursWasmLoaded,
  plainCpu,
  randomInput,
  tfjsRunners,
} from "./common";
import { type Budget, sampleRows } from "./plan";

const EPS = 2 ** -23;

/**
 * Two oracles are timed only up to 256³: the CPU reference (the clear m-n-k loop, ~0.3 GFLOP/s) and the naive
 * WGSL variant (one output per invocation: 35 s for 1024³ on SwiftShader). Both are there to check the others.
 */
const ORACLE_MAX_FLOP = 2 * 256 ** 3;

export function matmulGroup(ctx: BenchContext, M: number, K: number, N: number, budget: Budget): Group {
  const a = randomInput([M, K], 11 + M + K);
  const b = randomInput([K, N], 23 + K + N);
  const d = matmulDims(a.shape, b.shape);
  const runners: RunnerSpec[] = [];
  const small = 2 * M * K * N <= ORACLE_MAX_FLOP;
  for (const variant of MATMUL_VARIANT_NAMES) {
    if (variant === "naive" && !small) continue;
    runners.push(
      oursGpu(ctx, `matmul/${variant}`, { matmul: variant }, [a, b], (be, [x, y]) => [be.matmul(x!, y!)]),
    );
  }
  if (small) {
    runners.push(oursCpu(ctx, "matmul/reference", [a, b], (be, [x, y]) => [be.matmul(x!, y!)]));
  }
  runners.push(...oursWasmBoth(ctx, "matmul/simd", [a, b], (be, [x, y]) => [be.matmul(x!, y!)]));
  // The same one-thread matmul while every other core runs a copy of it: what "every core" could gain at most.
  runners.push(
    oursWasmLoaded(ctx, "matmul/simd-loaded", [a, b], (be, [x, y]) => [be.matmul(x!, y!)], [M, K, N]),
  );
  runners.push(plainCpu("matmul/ikj4", () => [matmulCpuFast(a.data, b.data, d, {}) as Float32Array]));
  runners.push(...tfjsRunners(ctx, "matmul/tf.matMul", [a, b], ([x, y]) => [tf.matMul(x!, y!)]));
  return {
    shape: `${M}x${K}x${N}`,
    gflop: (2 * M * K * N) / 1e9,
    ...budget,
    expected: (): Expected => {
      // Large results are checked on sampled rows (each computed in full by the reference).
      const rows = sampleRows(M, 64);
      const aRows = new Float32Array(rows.length * K);
      for (const [i, r] of rows.entries()) aRows.set(a.data.subarray(r * K, (r + 1) * K), i * K);
      const want = matmulCpu(aRows, b.data, matmulDims([rows.length, K], [K, N]), {}) as Float32Array;
      // An f32 dot product of K terms errs by about sqrt(K)·eps times the size of its partial sums, which
      // for entries uniform in [-1, 1] is sqrt(K/9) (each product has variance 1/9): 8x that as atol leaves
      // room for any summation order (blocked, sequential, FMA). rtol covers the final rounding.
      const atol = 8 * Math.sqrt(K) * EPS * Math.sqrt(K / 9);
      return {
        values: [want],
        tol: [{ atol, rtol: 4 * EPS }],
        pick: ([c]) => {
          const out = new Float32Array(rows.length * N);
          for (const [i, r] of rows.entries()) out.set(c!.subarray(r * N, (r + 1) * N), i * N);
          return [out];
        },
      };
    },
    runners,
  };
}
