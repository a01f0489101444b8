// layer and loss cases: layerNorm (+ backward), embedding (+ backward), softmax cross-entropy (+ backward), mse
// (+ backward). Sizes 1, odd widths (7, 33), many rows (300), a layerNorm input of 1000 + small noise (which a
// one-pass E[x²] − E[x]² variance or an f32 mean of the raw values gets visibly wrong), repeated embedding ids,
// logits of ±50, a single class, odd element counts, and grids that spill from x into y.
//
// Tolerances are derived from f32 error bounds (U = 2⁻²⁴ per rounding, ULP = 2⁻²³ relative per WGSL built-in
// ULP) for the value ranges generated here; each is explained where it is set.

import type { Tensor } from "../../backend/contract";
import * as ref from "../../backend/cpu-ops/layers";
import { CpuTensor } from "../../backend/cpu-tensor";
import { Rng } from "../../util/rng";
import { type Input, input, makeCase, type VerifyCase } from "../case";

const U = 2 ** -24;
const ULP = 2 ** -23;

/** n integers in [0, limit) as f32; `hot` (if given) is written at every third position to force repeats. */
function ints(shape: number[], limit: number, seed: number, hot?: number): Input {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = hot !== undefined && i % 3 === 0 ? hot : rng.int(limit);
  return { data, shape };
}

/** The most times any value occurs in `ids`. */
function maxRepeat(ids: Float32Array): number {
  const count = new Map<number, number>();
  for (const v of ids) count.set(v, (count.get(v) ?? 0) + 1);
  return Math.max(1, ...count.values());
}

/** The outputs at `keep`, the others disposed: a case compares one group of outputs under one tolerance. */
function pickOutputs(all: Tensor[], keep: number[]): Tensor[] {
  all.forEach((t, i) => {
    if (!keep.includes(i)) t.dispose();
  });
  return keep.map((i) => all[i]!);
}

function offset(x: Input, by: number, noise: number): Input {
  return { shape: x.shape, data: x.data.map((v) => by + noise * v) };
}

// ---- layerNorm -------------------------------------------------------------------------------------------

interface LnSpec {
  name: string;
  shape: number[];
  /** x = 1000 + 0.05·u instead of u (u uniform in [-1, 1]); rstd ≈ 35 instead of ≈ 1.7. */
  largeOffset?: boolean;
}

const LN: LnSpec[] = [
  { name: "1 row C=7", shape: [1, 7] },
  { name: "odd 5x33", shape: [5, 33] },
  { name: "many rows 300x7", shape: [300, 7] },
  { name: "batch 2x3x16", shape: [2, 3, 16] },
  { name: "C=1 4x1", shape: [4, 1] },
  { name: "large offset 1000+noise 12x33", shape: [12, 33], largeOffset: true },
];

const EPS = 1e-5;

function lnInputs(s: LnSpec, seed: number): Record<string, Input> {
  const C = s.shape[s.shape.length - 1]!;
  const x = input(s.shape, seed);
  return {
    x: s.largeOffset ? offset(x, 1000, 0.05) : x,
    gamma: input([C], seed + 1, 0.5, 1.5),
    beta: input([C], seed + 2),
    dy: input(s.shape, seed + 3),
  };
}

function layerNormCases(): VerifyCase[] {
  const out: VerifyCase[] = [];
  LN.forEach((s, i) => {
    const C = s.shape[s.shape.length - 1]!;
    const rows = s.shape.reduce((a, b) => a * b, 1) / C;
    const rsMax = s.largeOffset ? 40 : 2;
    // Forward: the variance is a sum of C non-negative terms and the shifted mean a sum of C differences, so
    // rstd·(x − mean) is off by at most ~(C + 8)·ULP relative; y adds |xh·gamma| times that, absolute, where
    // xh·gamma + beta can cancel. |xh·gamma| is about 1.7·1.5 at most for these uniform rows: 4 leaves room.
    const fwd = { atol: 4 * (C + 8) * ULP, rtol: (C + 8) * ULP };
    out.push(
      makeCase({
        kernel: "layerNorm",
        variant: "row",
        name: s.name,
        shape: `rows=${rows} C=${C} eps=${EPS}`,
        ...fwd,
        force: {},
        inputs: () => {
          const { x, gamma, beta } = lnInputs(s, 400 + 10 * i);
          return { x: x!, gamma: gamma!, beta: beta! };
        },
        apply: (be, t) => {
          const r = be.layerNorm(t.x!, t.gamma!, t.beta!, EPS);
          return [r.y, r.mean, r.rstd];
        },
      }),
    );
    // Backward, from the CPU's saved mean and rstd (identical inputs on both sides; in the large-offset case one
    // f32 ulp of the mean, 6e-5, times rstd would otherwise dominate). dx = rs·(g − mean(g) − xh·mean(g·xh)):
    // the two row means are sums of C terms bounded by G = 1.5 and 2G, so the bracket is off by <= (5C + 8)·G·U,
    // times rs. dgamma, dbeta are sums over rows of terms averaging ~0.43 and 0.5 in magnitude: random-walk
    // rounding gives ~sqrt(rows)·U·Σ|t|, with 4x headroom.
    const sq = Math.sqrt(rows);
    const parts = [
      { what: "dx", atol: rsMax * (5 * C + 8) * 1.5 * U, pick: [0] },
      { what: "dgamma dbeta", atol: 4 * sq * U * rows * 0.5 + 8 * U, pick: [1, 2] },
    ];
    for (const part of parts) {
      out.push(
        makeCase({
          kernel: "layerNormBackward",
          variant: "row+column",
          name: `${s.name} ${part.what}`,
          shape: `rows=${rows} C=${C}`,
          atol: part.atol,
          rtol: 4 * U,
          force: {},
          inputs: () => {
            const { x, gamma, beta, dy } = lnInputs(s, 400 + 10 * i);
            const saved = ref.layerNorm(
              new CpuTensor(x!.shape, x!.data),
              new CpuTensor(gamma!.shape, gamma!.data),
              new CpuTensor(beta!.shape, beta!.data),
              EPS,
            );
            return {
              x: x!,
              gamma: gamma!,
              dy: dy!,
              mean: { data: Float32Array.from(saved.mean.data), shape: [rows] },
              rstd: { data: Float32Array.from(saved.rstd.data), shape: [rows] },
            };
          },
          apply: (be, t) => {
            const g = be.layerNormBackward(t.x!, t.gamma!, t.mean!, t.rstd!, t.dy!);
            return pickOutputs([g.dx, g.dgamma, g.dbeta], part.pick);
          },
        }),
      );
    }
  });
  // The real path: forward then backward on one backend. The GPU's mean and rstd differ from the CPU's by the
  // forward's (C + 8)·ULP relative, which passes straight into dx and dgamma (relative).
  const C = 33;
  out.push(
    makeCase({
      kernel: "layerNormBackward",
      variant: "row+column",
      name: "after forward 9x33",
      shape: `rows=9 C=${C}`,
      atol: 2 * (5 * C + 8) * 1.5 * U,
      rtol: 2 * (C + 8) * ULP,
      force: {},
      inputs: () => lnInputs({ name: "", shape: [9, C] }, 480),
      apply: (be, t) => {
        const f = be.layerNorm(t.x!, t.gamma!, t.beta!, EPS);
        const g = be.layerNormBackward(t.x!, t.gamma!, f.mean, f.rstd, t.dy!);
        for (const u of [f.y, f.mean, f.rstd]) u.dispose();
        return [g.dx, g.dgamma, g.dbeta];
      },
    }),
  );
  return out;
}

// ---- embedding -------------------------------------------------------------------------------------------

interface EmbSpec {
  name: string;
  V: number;
  C: number;
  idShape: number[];
  hot?: number;
}

const EMB: EmbSpec[] = [
  { name: "V=1 C=1 one id", V: 1, C: 1, idShape: [1] },
  { name: "scalar id V=5 C=7", V: 5, C: 7, idShape: [] },
  { name: "repeats V=10 C=7 ids 3x5", V: 10, C: 7, idShape: [3, 5], hot: 4 },
  { name: "V=50 C=33 ids 300", V: 50, C: 33, idShape: [300] },
  { name: "hot id at every third of 120 V=3 C=5", V: 3, C: 5, idShape: [120], hot: 1 },
];

function embeddingCases(): VerifyCase[] {
  const out: VerifyCase[] = [];
  const all: EmbSpec[] = [
    ...EMB,
    // 66000·64 outputs = 66000 workgroups of 64: more than one grid dimension holds (forward only).
    { name: "grid beyond one dimension V=100 C=64 ids 66000", V: 100, C: 64, idShape: [66000] },
  ];
  all.forEach((s, i) => {
    const ids = ints(s.idShape, s.V, 500 + i, s.hot);
    const shape = `V=${s.V} C=${s.C} ids=[${s.idShape.join(", ")}]`;
    out.push(
      makeCase({
        kernel: "embedding",
        variant: "gather",
        name: s.name,
        shape,
        // A copy: exact.
        atol: 0,
        rtol: 0,
        force: {},
        inputs: () => ({ table: input([s.V, s.C], 600 + i), ids }),
        apply: (be, t) => [be.embedding(t.table!, t.ids!)],
      }),
    );
    if (i >= EMB.length) return;
    // Each dtable entry is a sum of k <= maxRepeat terms of |dy| <= 1, in id order on both sides: the recursive
    // f32 sum errs by at most (k − 1)·U·Σ|t| <= k²·U.
    const k = maxRepeat(ids.data);
    out.push(
      makeCase({
        kernel: "embeddingBackward",
        variant: "scan",
        name: s.name,
        shape: `${shape} max repeat ${k}`,
        atol: k * k * U,
        rtol: 0,
        force: {},
        inputs: () => ({ ids, dy: input([...s.idShape, s.C], 700 + i) }),
        apply: (be, t) => [be.embeddingBackward(t.ids!, t.dy!, s.V)],
      }),
    );
  });
  return out;
}

// ---- cross-entropy ---------------------------------------------------------------------------------------

interface CeSpec {
  name: string;
  N: number;
  C: number;
  /** Logits scaled from [-1, 1] to [-scale, scale]. */
  scale?: number;
  /** Every other row: logits ±scale exactly, target at the smallest logit (loss ≈ 2·scale). */
  extreme?: boolean;
}

const CE: CeSpec[] = [
  { name: "1 row C=7", N: 1, C: 7, scale: 3 },
  { name: "odd 5x33", N: 5, C: 33, scale: 3 },
  { name: "many rows 300x7", N: 300, C: 7, scale: 3 },
  { name: "C=1 4x1", N: 4, C: 1, scale: 3 },
  { name: "±50 logits 8x33", N: 8, C: 33, scale: 50, extreme: true },
];

function ceInputs(s: CeSpec, seed: number): Record<string, Input> {
  const logits = input([s.N, s.C], seed, -(s.scale ?? 1), s.scale ?? 1);
  const targets = ints([s.N], s.C, seed + 1);
  if (s.extreme) {
    for (let r = 0; r < s.N; r += 2) {
      for (let j = 0; j < s.C; j++) logits.data[r * s.C + j] = j % 2 ? 50 : -50;
      targets.data[r] = 0;
    }
  }
  return { logits, targets, dloss: { data: Float32Array.of(1.7), shape: [] } };
}

function crossEntropyCases(): VerifyCase[] {
  const out: VerifyCase[] = [];
  CE.forEach((s, i) => {
    // probs: WGSL's exp errs by 3 + 2|x| ULP; only probabilities above atol = 1e-7 (x − m > −16.2, so <= 36 ULP)
    // are held to rtol. The row sum adds <= C·U relative to its own terms' 36 ULP, and the divide one more:
    // <= (72 + C)·ULP. Row loss = (m − x_t) + log s: log s is off by s's relative error plus WGSL log's 2⁻²¹
    // absolute; the mean of N non-negative row losses adds <= N·U relative.
    const parts = [
      { what: "loss", atol: (36 + s.C) * ULP + 2 ** -21, rtol: (s.N + 4) * U, pick: [0] },
      { what: "probs", atol: 1e-7, rtol: (72 + s.C) * ULP, pick: [1] },
    ];
    for (const part of parts) {
      out.push(
        makeCase({
          kernel: "crossEntropy",
          variant: "row",
          name: `${s.name} ${part.what}`,
          shape: `N=${s.N} C=${s.C} logits in ±${s.scale}`,
          atol: part.atol,
          rtol: part.rtol,
          force: {},
          inputs: () => {
            const { logits, targets } = ceInputs(s, 800 + 10 * i);
            return { logits: logits!, targets: targets! };
          },
          apply: (be, t) => {
            const r = be.crossEntropy(t.logits!, t.targets!);
            return pickOutputs([r.loss, r.probs], part.pick);
          },
        }),
      );
    }
    // Backward from the CPU's probs (identical inputs): (p − onehot)·(dloss/N) is three f32 roundings.
    out.push(
      makeCase({
        kernel: "crossEntropyBackward",
        variant: "elementwise",
        name: s.name,
        shape: `N=${s.N} C=${s.C} dloss=1.7`,
        atol: 1e-30,
        rtol: 4 * U,
        force: {},
        inputs: () => {
          const { logits, targets, dloss } = ceInputs(s, 800 + 10 * i);
          const fwd = ref.crossEntropy(
            new CpuTensor(logits!.shape, logits!.data),
            new CpuTensor(targets!.shape, targets!.data),
          );
          return {
            probs: { data: Float32Array.from(fwd.probs.data), shape: [s.N, s.C] },
            targets: targets!,
            dloss: dloss!,
          };
        },
        apply: (be, t) => [be.crossEntropyBackward(t.probs!, t.targets!, t.dloss!)],
      }),
    );
  });
  return out;
}

// ---- mse -------------------------------------------------------------------------------------------------

const MSE_SHAPES: { name: string; shape: number[] }[] = [
  { name: "scalar []", shape: [] },
  { name: "7", shape: [7] },
  { name: "odd 3x33", shape: [3, 33] },
  { name: "one past a chunk 257", shape: [257] },
  { name: "odd 3x333", shape: [3, 333] },
  { name: "many partials 70001", shape: [70001] },
];

function mseCases(): VerifyCase[] {
  const out: VerifyCase[] = [];
  MSE_SHAPES.forEach((s, i) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const P = Math.ceil(n / 256);
    out.push(
      makeCase({
        kernel: "mse",
        variant: "chunked",
        name: s.name,
        shape: `n=${n} partials=${P}`,
        // Non-negative terms: chained recursive sums of <= 256 and P terms err by <= (256 + P)·U relative, plus
        // the difference, square and divide (3 U).
        atol: 0,
        rtol: (256 + P + 4) * U,
        force: {},
        inputs: () => ({ pred: input(s.shape, 900 + i), target: input(s.shape, 950 + i) }),
        apply: (be, t) => [be.mse(t.pred!, t.target!)],
      }),
    );
    out.push(
      makeCase({
        kernel: "mseBackward",
        variant: "elementwise",
        name: s.name,
        shape: `n=${n} dloss=0.3`,
        // (p − t)·(2·dloss/n): four f32 roundings.
        atol: 1e-30,
        rtol: 5 * U,
        force: {},
        inputs: () => ({
          pred: input(s.shape, 900 + i),
          target: input(s.shape, 950 + i),
          dloss: { data: Float32Array.of(0.3), shape: i % 2 ? [1] : [] },
        }),
        apply: (be, t) => [be.mseBackward(t.pred!, t.target!, t.dloss!)],
      }),
    );
  });
  return out;
}

// ---- ids and targets the CPU refuses ---------------------------------------------------------------------
// The CPU backend throws on them, so the CPU side of these cases builds the GPU's documented answer by hand
// from its input tensors: zero rows for bad embedding ids (ignored by the backward), and a zero loss term and
// no one-hot for bad cross-entropy targets.

const BAD_IDS = Float32Array.from([2, -1, 5, 1.5, Number.NaN, Infinity, -Infinity, 4, 0, 1e10, -0]);
const valid = (v: number, limit: number) => Number.isInteger(v) && v >= 0 && v < limit;

function onCpu(
  be: { name: string },
  t: Record<string, Tensor>,
  build: (d: Record<string, Float32Array>) => Tensor,
) {
  if (be.name !== "cpu") return null;
  const data: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(t)) data[k] = Float32Array.from((v as CpuTensor).data);
  return build(data);
}

function invalidIndexCases(): VerifyCase[] {
  const [V, C, N] = [5, 3, BAD_IDS.length];
  const ids: Input = { data: BAD_IDS, shape: [N] };
  const list = Array.from(BAD_IDS).join(" ");
  const base = { force: {}, rtol: 0, shape: `V=${V} C=${C} ids ${list}` };
  const ceShape = `N=${N} C=${V} targets ${list}`;
  const ce = {
    logits: input([N, V], 990, -3, 3),
    targets: ids,
    dloss: { data: Float32Array.of(1.7), shape: [] },
  };
  return [
    makeCase({
      ...base,
      kernel: "embedding",
      variant: "gather",
      name: "invalid ids give zero rows",
      atol: 0,
      inputs: () => ({ table: input([V, C], 991), ids }),
      apply: (be, t) => [
        onCpu(be, t, (d) => {
          const out = new Float32Array(N * C);
          d.ids!.forEach((v, i) => {
            if (valid(v, V)) out.set(d.table!.subarray(v * C, v * C + C), i * C);
          });
          return new CpuTensor([N, C], out);
        }) ?? be.embedding(t.table!, t.ids!),
      ],
    }),
    makeCase({
      ...base,
      kernel: "embeddingBackward",
      variant: "scan",
      name: "invalid ids are ignored",
      atol: 4 * U, // sums of at most 2 terms
      inputs: () => ({ ids, dy: input([N, C], 992) }),
      apply: (be, t) => [
        onCpu(be, t, (d) => {
          const out = new Float32Array(V * C);
          d.ids!.forEach((v, i) => {
            for (let c = 0; valid(v, V) && c < C; c++) out[v * C + c]! += d.dy![i * C + c]!;
          });
          return new CpuTensor([V, C], out);
        }) ?? be.embeddingBackward(t.ids!, t.dy!, V),
      ],
    }),
    makeCase({
      ...base,
      kernel: "crossEntropy",
      variant: "row",
      name: "invalid targets add 0 to the loss",
      shape: ceShape,
      atol: (36 + V) * ULP + 2 ** -21, // as for the loss above
      rtol: (N + 4) * U,
      inputs: () => ({ logits: ce.logits, targets: ce.targets }),
      apply: (be, t) => {
        const cpu = onCpu(be, t, (d) => {
          let total = 0;
          for (let r = 0; r < N; r++) {
            const row = Array.from(d.logits!.subarray(r * V, r * V + V));
            const m = Math.max(...row);
            const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
            if (valid(d.targets![r]!, V)) total += lse - row[d.targets![r]!]!;
          }
          return new CpuTensor([], Float32Array.of(total / N));
        });
        if (cpu) return [cpu];
        const r = be.crossEntropy(t.logits!, t.targets!);
        return pickOutputs([r.loss, r.probs], [0]);
      },
    }),
    makeCase({
      ...base,
      kernel: "crossEntropyBackward",
      variant: "elementwise",
      name: "invalid targets get no one-hot",
      shape: ceShape,
      atol: 1e-30,
      rtol: 4 * U,
      inputs: () => ({ probs: input([N, V], 993, 0, 1), targets: ce.targets, dloss: ce.dloss }),
      apply: (be, t) => [
        onCpu(be, t, (d) => {
          const out = d.probs!.map(
            (p, i) => (p - (d.targets![Math.floor(i / V)] === i % V ? 1 : 0)) * (1.7 / N),
          );
          return new CpuTensor([N, V], out);
        }) ?? be.crossEntropyBackward(t.probs!, t.targets!, t.dloss!),
      ],
    }),
  ];
}

export function layerCases(): VerifyCase[] {
  return [
    ...layerNormCases(),
    ...embeddingCases(),
    ...crossEntropyCases(),
    ...mseCases(),
    ...invalidIndexCases(),
  ];
}
