// The best a plane y = a·x + b·z + c can do on a data set: its least-squares training error, the bar a ReLU stage
// must get under to have bent (the grain page's reading compares with it).

import type { RegressionData } from "../../data/regression";

/** Mean squared error of the least-squares plane over the raw inputs (a, b) of `d` (normal equations, float64). */
export function planeLeastSquaresMse(d: RegressionData): number {
  const P = 3;
  const A = Array.from({ length: P }, () => new Array<number>(P + 1).fill(0));
  for (let i = 0; i < d.n; i++) {
    const row = [d.inputs[2 * i]!, d.inputs[2 * i + 1]!, 1];
    for (let r = 0; r < P; r++) {
      for (let c = 0; c < P; c++) A[r]![c]! += row[r]! * row[c]!;
      A[r]![P]! += row[r]! * d.targets[i]!;
    }
  }
  // Gauss-Jordan with partial pivoting; a singular column (one grain: z constant) gets weight 0.
  for (let c = 0; c < P; c++) {
    let p = c;
    for (let r = c + 1; r < P; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    [A[c], A[p]] = [A[p]!, A[c]!];
    if (Math.abs(A[c]![c]!) < 1e-12) continue;
    for (let r = 0; r < P; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k <= P; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  const w = A.map((row, r) => (Math.abs(row[r]!) < 1e-12 ? 0 : row[P]! / row[r]!));
  let s = 0;
  for (let i = 0; i < d.n; i++) {
    const y = w[0]! * d.inputs[2 * i]! + w[1]! * d.inputs[2 * i + 1]! + w[2]!;
    s += (y - d.targets[i]!) ** 2;
  }
  return s / Math.max(1, d.n);
}
