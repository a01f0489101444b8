// Shared shape of the regression data sets (grain, five experts): two inputs per row, one target, and the
// index of the group (grain or expert) that generated the row, for plots and per-group errors.

/** Rows of (input0, input1) → target. For grain the inputs are (x cups, z darkness); for experts (x, s selector). */
export interface RegressionData {
  /** Number of rows. */
  n: number;
  /** [n, 2], row-major. */
  inputs: Float32Array;
  /** [n]. */
  targets: Float32Array;
  /** [n]: which group made the row (grain index into GRAINS, or expert index). */
  labels: Int32Array;
}

/** Mix a base seed with a stream number so train, test and out-of-range sets draw independent sequences. */
export function streamSeed(seed: number, stream: number): number {
  // One round of a 32-bit integer hash (the mulberry32 finaliser) over seed + stream·golden-ratio.
  let t = (seed + Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** Rows whose label is in `keep`. */
export function filterLabels(d: RegressionData, keep: readonly number[]): RegressionData {
  const rows: number[] = [];
  for (let i = 0; i < d.n; i++) if (keep.includes(d.labels[i]!)) rows.push(i);
  return pickRows(d, rows);
}

export function pickRows(d: RegressionData, rows: readonly number[]): RegressionData {
  const n = rows.length;
  const inputs = new Float32Array(n * 2);
  const targets = new Float32Array(n);
  const labels = new Int32Array(n);
  rows.forEach((r, i) => {
    inputs[2 * i] = d.inputs[2 * r]!;
    inputs[2 * i + 1] = d.inputs[2 * r + 1]!;
    targets[i] = d.targets[r]!;
    labels[i] = d.labels[r]!;
  });
  return { n, inputs, targets, labels };
}

/** Mean squared error of predictions [n] against the targets (float64 accumulation). */
export function meanSquaredError(pred: ArrayLike<number>, d: RegressionData): number {
  if (pred.length !== d.n) throw new Error(`meanSquaredError: ${pred.length} predictions for ${d.n} rows`);
  let s = 0;
  for (let i = 0; i < d.n; i++) s += (pred[i]! - d.targets[i]!) ** 2;
  return s / Math.max(1, d.n);
}

/** Build a data set row by row: `row(i)` returns [input0, input1, target, label]. */
export function generateRows(
  n: number,
  row: (i: number) => [number, number, number, number],
): RegressionData {
  const inputs = new Float32Array(n * 2);
  const targets = new Float32Array(n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const [a, b, y, label] = row(i);
    inputs[2 * i] = a;
    inputs[2 * i + 1] = b;
    targets[i] = y;
    labels[i] = label;
  }
  return { n, inputs, targets, labels };
}
