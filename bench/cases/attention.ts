// Scaled dot-product attention, forward and backward, over q, k, v [B, H, T, d] (T = S, not causal).
//
// Ours: the fused kernel (online softmax, no T×T matrix in memory) and the unfused path (matmul, softmax,
// matmul through two [B·H, T, T] buffers), plus the CPU reference. tfjs: the same computation as a tfjs user
// writes it, softmax(q·kᵀ)·v with q pre-scaled outside the timing (one op fewer than ours does); its backward
// is the four matmuls and the softmax gradient from the saved probabilities, which is what tfjs's own
// autodiff records for that forward.

import type { Backend, Tensor } from "../../src/backend/contract";
import { attentionCpu } from "../../src/kernels/attention/reference";
import {
  ATTENTION_VARIANTS as ATTENTION_VARIANT_NAMES,
  attentionDims,
} from "../../src/kernels/attention/shape";
import type { Expected, Group, RunnerSpec } from "../lib/harness";
import { tf } from "../lib/tfjs";
import {
  type BenchContext,
  type Input,
  oursCpu,
  oursGpu,
  oursWasmBoth,
  randomInput,
  tfjsRunners,
} from "./common";
import { type Budget, sampleRows } from "./plan";

/** The CPU reference (float64, one query row at a time) is timed up to this T; above, it would take minutes. */
const REFERENCE_MAX_T = 512;

interface Dims {
  B: number;
  H: number;
  T: number;
  d: number;
}

const label = ({ B, H, T, d }: Dims) => `B${B} H${H} T${T} d${d}`;

function inputs(D: Dims, seed: number): Input[] {
  const shape = [D.B, D.H, D.T, D.d];
  return [randomInput(shape, seed), randomInput(shape, seed + 1), randomInput(shape, seed + 2)];
}

/** Rows `rows` of every (b, h) slice of x [B, H, T, d] → [B, H, rows.length, d]. */
function pickRows(x: Float32Array, D: Dims, rows: number[]): Float32Array {
  const out = new Float32Array(D.B * D.H * rows.length * D.d);
  for (let bh = 0; bh < D.B * D.H; bh++) {
    rows.forEach((r, i) => {
      const src = (bh * D.T + r) * D.d;
      out.set(x.subarray(src, src + D.d), (bh * rows.length + i) * D.d);
    });
  }
  return out;
}

export function attentionForwardGroup(ctx: BenchContext, D: Dims, budget: Budget): Group {
  const [q, k, v] = inputs(D, 41 + D.T);
  const scale = 1 / Math.sqrt(D.d);
  const runners: RunnerSpec[] = [];
  for (const variant of ATTENTION_VARIANT_NAMES) {
    runners.push(
      oursGpu(
        ctx,
        `attention/${variant}`,
        { attention: variant },
        [q!, k!, v!],
        (be, [a, b, c]) => {
          const r = be.attention(a!, b!, c!);
          return [r.out, r.lse];
        },
        { peak: true },
      ),
    );
  }
  runners.push(
    ...oursWasmBoth(ctx, "attention/fused", [q!, k!, v!], (be, [a, b, c]) => {
      const r = be.attention(a!, b!, c!);
      return [r.out, r.lse];
    }),
  );
  if (D.T <= REFERENCE_MAX_T) {
    runners.push(
      oursCpu(ctx, "attention/reference", [q!, k!, v!], (be, [a, b, c]) => {
        const r = be.attention(a!, b!, c!);
        return [r.out, r.lse];
      }),
    );
  }
  runners.push(
    ...tfjsRunners(
      ctx,
      "attention/tf.matMul+softmax+matMul",
      [q!, k!, v!],
      ([qs, kk, vv]) => [tf.matMul(tf.softmax(tf.matMul(qs!, kk!, false, true)), vv!)],
      ([qq, kk, vv]) => [tf.mul(qq!, scale), kk!, vv!],
    ),
  );
  return {
    shape: label(D),
    gflop: (4 * D.B * D.H * D.T * D.T * D.d) / 1e9,
    ...budget,
    expected: (): Expected => {
      // Every query row's output depends only on its own q row (no mask): check sampled rows of every head.
      const rows = sampleRows(D.T, 32);
      const qRows = pickRows(q!.data, D, rows);
      const dims = attentionDims([D.B, D.H, rows.length, D.d], [D.B, D.H, D.T, D.d], [D.B, D.H, D.T, D.d]);
      const want = attentionCpu(qRows, k!.data, v!.data, dims).out as Float32Array;
      return {
        values: [want],
        // out is a convex combination of v rows in [-1, 1]: its error is that of the weights, i.e. of the
        // scores (d-term f32 dot products of terms <= scale = 1/8: <= d·eps/8 ≈ 5e-7 absolute, the same relative
        // error of a weight after exp), plus f32 sums over T keys in whatever order each implementation uses
        // (sqrt(T)·eps ≈ 4e-6 at T = 1024 for rounding errors of random sign). Seen: <= 1.4e-7.
        tol: [{ atol: 4e-6, rtol: 1e-5 }],
        pick: (outs) => [pickRows(outs[0]!, D, rows)],
      };
    },
    runners,
  };
}

export function attentionBackwardGroup(ctx: BenchContext, D: Dims, budget: Budget): Group {
  const [q, k, v] = inputs(D, 71 + D.T);
  const dout = randomInput([D.B, D.H, D.T, D.d], 91 + D.T);
  const scale = 1 / Math.sqrt(D.d);
  const saveForward = (be: Backend, xs: Tensor[]) => {
    const r = be.attention(xs[0]!, xs[1]!, xs[2]!);
    return [r.out, r.lse];
  };
  // xs = q, k, v, dout, then the saved out and lse.
  const backward = (be: Backend, xs: Tensor[]) => {
    const g = be.attentionBackward(xs[0]!, xs[1]!, xs[2]!, xs[4]!, xs[5]!, xs[3]!);
    return [g.dq, g.dk, g.dv];
  };
  const runners: RunnerSpec[] = [];
  for (const variant of ATTENTION_VARIANT_NAMES) {
    runners.push(
      oursGpu(ctx, `attention-backward/${variant}`, { attention: variant }, [q!, k!, v!, dout], backward, {
        prep: saveForward,
        peak: true,
      }),
    );
  }
  runners.push(...oursWasmBoth(ctx, "attention-backward/fused", [q!, k!, v!, dout], backward, saveForward));
  if (D.T <= REFERENCE_MAX_T) {
    runners.push(oursCpu(ctx, "attention-backward/reference", [q!, k!, v!, dout], backward, saveForward));
  }
  runners.push(
    ...tfjsRunners(
      ctx,
      "attention-backward/tf.matMul+softmax-grad",
      [q!, k!, v!, dout],
      ([p, vv, dO, kS, qS]) => {
        const dV = tf.matMul(p!, dO!, true, false);
        const dP = tf.matMul(dO!, vv!, false, true);
        const dS = tf.mul(p!, tf.sub(dP, tf.sum(tf.mul(dP, p!), -1, true)));
        return [tf.matMul(dS, kS!), tf.matMul(dS, qS!, true, false), dV];
      },
      // Saved by the forward (outside the timing): the probabilities, and k, q pre-scaled for dQ and dK.
      ([qq, kk, vv, dO]) => {
        const qS = tf.mul(qq!, scale);
        const kS = tf.mul(kk!, scale);
        return [tf.softmax(tf.matMul(qS, kk!, false, true)), vv!, dO!, kS, qS];
      },
    ),
  );
  return {
    shape: label(D),
    // The four products of the backward (dV, dP, dQ, dK), each 2·B·H·T·T·d.
    gflop: (8 * D.B * D.H * D.T * D.T * D.d) / 1e9,
    ...budget,
    expected: async (): Promise<Expected> => {
      const be = ctx.cpu;
      const xs = [q!, k!, v!, dout].map((x) => be.tensor(x.data, x.shape));
      const all = [...xs, ...saveForward(be, xs)];
      const outs = backward(be, all);
      const values = await Promise.all(outs.map((t) => be.read(t)));
      for (const t of [...all, ...outs]) t.dispose();
      return {
        values,
        // Gradients are sums over T keys (dq) or T queries (dk, dv) of terms built from d-term dot products,
        // each sum O(1) for unit inputs: f32 rounding of about sqrt(T)·eps of that (4e-6 at T = 1024), with
        // room for the order of summation; dP − Σ dP·P can cancel, so the bound is absolute. Seen: <= 1.2e-7.
        tol: [{ atol: 1e-5, rtol: 1e-5 }],
      };
    },
    runners,
  };
}
