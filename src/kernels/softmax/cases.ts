// softmax cases, for every variant: sizes 1, odd, a long row, many short rows, batch-shaped input, ±1e4 logits,
// -Infinity entries, a fully -Infinity row, a grid spread over x and y, and the internal options (scale, causal
// mask, log-sum-exp output) of `softmaxLse`, used by attention; then the backward on odd sizes, a long row and a
// spread grid. The spread grid is a launch option (maxGridX) set on the backend under test.

import type { Backend, BackendName, Tensor } from "../../backend/contract";
import { Rng } from "../../util/rng";
import { type Input, input, makeCase, type VerifyCase, variantsToCheck } from "../case";
import type { Launch } from "../launch";
import { softmaxCpu } from "./reference";
import type { SoftmaxOptions } from "./shape";

const EPS = 2 ** -23; // f32 machine epsilon

// Forward tolerance for y. WGSL allows exp an error of 3 + 2|x| ULP; entries with z − m < −16 are below
// e^-16 ≈ 1.1e-7 and fall under atol (they may also flush to 0 near the denormal range), so the others carry
// at most 35 ULP ≈ 4e-6 relative. The row sum is an f32 sum of `cols` terms in [0, 1]: relative error about
// sqrt(cols)·eps for rounding errors of random sign (cols·eps bounds the rare worst case). The division adds one rounding.
export function forwardTol(cols: number): { atol: number; rtol: number } {
  return { atol: 1.2e-7, rtol: 4e-6 + Math.sqrt(cols) * EPS };
}

// Tolerance for lse = m + log s: an absolute quantity that can be ~0 while m is not. Its error is the rounding
// of scale·x and of the final add (covered by rtol·|lse|, since |m| <= |lse| + log cols), plus log's own
// error on log s <= log cols and the sum's relative error (sqrt(cols)·eps), which stay absolute.
function lseTol(cols: number): { atol: number; rtol: number } {
  return { atol: 2 * EPS * (2 * Math.log(Math.max(cols, 2)) + Math.sqrt(cols)), rtol: 4 * EPS };
}

// Backward tolerance: dx_j = y_j·(dy_j − Σ dy·y). The f32 dot product errs by about sqrt(cols)·eps (y sums to
// 1 and |dy| <= 1), and dy_j − Σ can cancel to ~0, so the bound is absolute: y_max·sqrt(cols)·eps, with
// y_max <= e^4/cols for y = softmax(logits in [-2, 2]). rtol covers the two roundings of the product.
function backwardTol(cols: number): { atol: number; rtol: number } {
  const yMax = Math.min(1, Math.exp(4) / cols);
  return { atol: 4 * yMax * Math.sqrt(cols) * EPS, rtol: 4 * EPS };
}

type Fill = (x: Float32Array, rows: number, cols: number, rng: Rng) => void;

interface ForwardSpec {
  name: string;
  shape: number[];
  /** Rewrites the uniform [-1, 1] input in place (extreme values, -Infinity entries). */
  fill?: Fill;
  /** Run through softmaxLse with these options; outputs y and lse. */
  internal?: SoftmaxOptions;
  launch?: Launch;
}

/** Rows of 1e4 + u, -1e4 + u, 1e4·u, and alternating ±1e4 + u (u uniform in [-1, 1]). */
const extremes: Fill = (x, rows, cols) => {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const i = r * cols + j;
      const u = x[i]!;
      const kind = r % 4;
      x[i] = kind === 0 ? 1e4 + u : kind === 1 ? -1e4 + u : kind === 2 ? 1e4 * u : (j % 2 ? 1e4 : -1e4) + u;
    }
  }
};

/** About a third of the entries -Infinity; row 1 keeps a single finite entry. */
const someNegInf: Fill = (x, rows, cols, rng) => {
  for (let i = 0; i < rows * cols; i++) if (rng.next() < 0.35) x[i] = -Infinity;
  if (rows > 1) for (let j = 0; j < cols; j++) x[cols + j] = j === 3 ? 0.5 : -Infinity;
};

/** Row 1 entirely -Infinity, the others untouched. */
const oneRowNegInf: Fill = (x, rows, cols) => {
  if (rows > 1) x.fill(-Infinity, cols, 2 * cols);
};

const FORWARD: ForwardSpec[] = [
  { name: "1x1", shape: [1, 1] },
  { name: "odd 7x13", shape: [7, 13] },
  { name: "long row 3x5000", shape: [3, 5000] },
  { name: "many rows 1000x3", shape: [1000, 3] },
  { name: "batch 2x3x17", shape: [2, 3, 17] },
  { name: "±1e4 logits 8x33", shape: [8, 33], fill: extremes },
  { name: "-Infinity entries 6x19", shape: [6, 19], fill: someNegInf },
  { name: "fully -Infinity row 3x11", shape: [3, 11], fill: oneRowNegInf },
  // Rows beyond 65535 workgroups continue along y; a cap of 7 along x reaches that layout (and idle
  // workgroups past the last row) without 65536 workgroups, which take ~45 s on SwiftShader.
  { name: "grid over x and y 1000x9 +lse", shape: [1000, 9], internal: {}, launch: { maxGridX: 7 } },
  // [blocks, T, S] attention scores with S > T: query i keeps keys j <= i + 2.
  { name: "scale 0.125 causal T=5 S=7 +lse", shape: [2, 5, 7], internal: { scale: 0.125, causalT: 5 } },
  // S < T: the first two queries of each block see no key (zeros, lse -Infinity); -Infinity entries too.
  {
    name: "scale 3 causal T=7 S=5 -Infinity +lse",
    shape: [3, 7, 5],
    fill: someNegInf,
    internal: { scale: 3, causalT: 7 },
  },
  { name: "scale 0.5 long rows 4x700 ±1e4 +lse", shape: [4, 700], fill: extremes, internal: { scale: 0.5 } },
];

function describe(shape: number[], internal?: SoftmaxOptions, launch?: Launch): string {
  const cols = shape[shape.length - 1]!;
  const rows = shape.reduce((a, b) => a * b, 1) / cols;
  const opts = internal
    ? [
        internal.scale !== undefined ? `scale=${internal.scale}` : "",
        internal.causalT !== undefined ? `causalT=${internal.causalT}` : "",
        launch?.maxGridX !== undefined ? `maxGridX=${launch.maxGridX}` : "",
        "lse",
      ]
    : [];
  return [`[${shape.join(", ")}] rows=${rows} cols=${cols}`, ...opts.filter(Boolean)].join(" ");
}

function forwardInput(s: ForwardSpec, seed: number): Input {
  const x = input(s.shape, seed);
  const cols = s.shape[s.shape.length - 1]!;
  s.fill?.(x.data, x.data.length / cols, cols, new Rng(seed + 7));
  return x;
}

/** A softmax output to feed the backward: y = softmax(logits in [-2, 2]) (positive, rows sum to 1). */
function softmaxInput(shape: number[], seed: number): Input {
  const cols = shape[shape.length - 1]!;
  const logits = input(shape, seed, -2, 2);
  return { data: Float32Array.from(softmaxCpu(logits.data, logits.data.length / cols, cols)), shape };
}

const BACKWARD: { name: string; shape: number[]; launch?: Launch }[] = [
  { name: "backward 1x1", shape: [1, 1] },
  { name: "backward odd 7x13", shape: [7, 13] },
  { name: "backward batch 2x3x17", shape: [2, 3, 17] },
  { name: "backward long row 3x5000", shape: [3, 5000] },
  { name: "backward many rows 1000x3", shape: [1000, 3] },
  { name: "backward grid over x and y 1000x9", shape: [1000, 9], launch: { maxGridX: 7 } },
];

export function softmaxCases(backend: BackendName = "webgpu"): VerifyCase[] {
  const out: VerifyCase[] = [];
  for (const variant of variantsToCheck(backend, "softmax")) {
    FORWARD.forEach((s, i) => {
      const cols = s.shape[s.shape.length - 1]!;
      const common = {
        kernel: "softmax",
        variant,
        shape: describe(s.shape, s.internal, s.launch),
        force: { softmax: variant } as VerifyCase["force"],
        ...(s.launch ? { launch: s.launch } : {}),
        inputs: () => ({ x: forwardInput(s, 400 + i) }),
      };
      const internal = s.internal;
      if (!internal) {
        out.push(
          makeCase({ ...common, name: s.name, ...forwardTol(cols), apply: (be, t) => [be.softmax(t.x!)] }),
        );
        return;
      }
      // y and lse of the same call, checked as two cases since they need different tolerances.
      const run = (be: Backend, x: Tensor) => be.softmaxLse(x, internal);
      out.push(
        makeCase({
          ...common,
          name: `${s.name}: y`,
          ...forwardTol(cols),
          apply: (be, t) => {
            const r = run(be, t.x!);
            r.lse.dispose();
            return [r.y];
          },
        }),
        makeCase({
          ...common,
          name: `${s.name}: lse`,
          ...lseTol(cols),
          apply: (be, t) => {
            const r = run(be, t.x!);
            r.y.dispose();
            return [r.lse];
          },
        }),
      );
    });
    BACKWARD.forEach((s, i) => {
      const cols = s.shape[s.shape.length - 1]!;
      out.push(
        makeCase({
          kernel: "softmax",
          variant,
          name: s.name,
          shape: s.launch ? `${describe(s.shape)} maxGridX=${s.launch.maxGridX}` : describe(s.shape),
          ...backwardTol(cols),
          force: { softmax: variant } as VerifyCase["force"],
          ...(s.launch ? { launch: s.launch } : {}),
          inputs: () => ({ y: softmaxInput(s.shape, 500 + i), dy: input(s.shape, 600 + i) }),
          apply: (be, t) => [be.softmaxBackward(t.y!, t.dy!)],
        }),
      );
    });
  }
  return out;
}
