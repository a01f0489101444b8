// softmax over the last axis of [rows, width]: both WGSL variants and our CPU reference against tf.softmax.

import { softmaxCpu } from "../../src/kernels/softmax/reference";
import { SOFTMAX_VARIANTS as SOFTMAX_VARIANT_NAMES } from "../../src/kernels/softmax/shape";
import type { Group, RunnerSpec } from "../lib/harness";
import { tf } from "../lib/tfjs";
import { type BenchContext, oursCpu, oursGpu, oursWasmBoth, randomInput, tfjsRunners } from "./common";
import type { Budget } from "./plan";

const EPS = 2 ** -23;

export function softmaxGroup(ctx: BenchContext, rows: number, width: number, budget: Budget): Group {
  // Logits in [-4, 4]: weights spread over e^8 ≈ 3000, like attention scores.
  const x = randomInput([rows, width], 31 + rows + width, -4, 4);
  const runners: RunnerSpec[] = [];
  for (const variant of SOFTMAX_VARIANT_NAMES) {
    runners.push(
      oursGpu(ctx, `softmax/${variant}`, { softmax: variant }, [x], (be, [t]) => [be.softmax(t!)]),
    );
  }
  runners.push(...oursWasmBoth(ctx, "softmax/simd", [x], (be, [t]) => [be.softmax(t!)]));
  runners.push(oursCpu(ctx, "softmax/reference", [x], (be, [t]) => [be.softmax(t!)]));
  runners.push(...tfjsRunners(ctx, "softmax/tf.softmax", [x], ([t]) => [tf.softmax(t!)]));
  return {
    shape: `${rows}x${width}`,
    gflop: null,
    ...budget,
    expected: () => ({
      values: [softmaxCpu(x.data, rows, width) as Float32Array],
      // exp in f32 (WGSL allows 3 + 2|x| ULP; the libraries' own exp is no worse) carries <= ~20 ULP for
      // |x - max| <= 8, i.e. ~2.4e-6 relative; the row sum adds sqrt(width)·eps for random-sign rounding and
      // the division one more rounding. Weights under 1.2e-7 may flush, covered by atol.
      tol: [{ atol: 1.2e-7, rtol: 4e-6 + 2 * Math.sqrt(width) * EPS }],
    }),
    runners,
  };
}
