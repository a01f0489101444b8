// embedding cases (+ backward): V = 1, a scalar id, repeated ids, 300 ids, a hot id at every third position, a
// grid that spills from x into y, and ids that are not integers in [0, V): the contract gives them a row of zeros
// (ignored by the backward) on every backend, and the reference computes exactly that.

import { BAD_INDICES, type Input, input, ints, makeCase, type VerifyCase } from "../case";

const U = 2 ** -24;

/** The most times any value occurs in `ids`. */
function maxRepeat(ids: Float32Array): number {
  const count = new Map<number, number>();
  for (const v of ids) count.set(v, (count.get(v) ?? 0) + 1);
  return Math.max(1, ...count.values());
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

export function embeddingCases(): VerifyCase[] {
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
  return [...out, ...invalidIdCases()];
}

function invalidIdCases(): VerifyCase[] {
  const [V, C, N] = [5, 3, BAD_INDICES.length];
  const ids: Input = { data: BAD_INDICES, shape: [N] };
  const base = { force: {}, rtol: 0, shape: `V=${V} C=${C} ids ${Array.from(BAD_INDICES).join(" ")}` };
  return [
    makeCase({
      ...base,
      kernel: "embedding",
      variant: "gather",
      name: "invalid ids give zero rows",
      atol: 0,
      inputs: () => ({ table: input([V, C], 991), ids }),
      apply: (be, t) => [be.embedding(t.table!, t.ids!)],
    }),
    makeCase({
      ...base,
      kernel: "embeddingBackward",
      variant: "scan",
      name: "invalid ids are ignored",
      atol: 4 * U, // sums of at most 2 terms
      inputs: () => ({ ids, dy: input([N, C], 992) }),
      apply: (be, t) => [be.embeddingBackward(t.ids!, t.dy!, V)],
    }),
  ];
}
