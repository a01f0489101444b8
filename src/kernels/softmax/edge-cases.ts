// softmax at the edges, every variant: rows holding NaN or +Infinity are NaN in every kept entry (and lse),
// whatever else the row holds, while the other rows are untouched; masked entries stay 0 even when they hold
// NaN; and the backward ignores dy where y = 0 (a NaN there changes nothing). The rules are those of `softmax`
// and `softmaxBackward` in backend/contract.ts.

import type { BackendName } from "../../backend/contract";
import { type Input, makeCase, type VerifyCase, variantsToCheck } from "../case";
import { forwardTol } from "./cases";

const NaN_ = Number.NaN;

function values(shape: number[], data: number[]): Input {
  return { data: Float32Array.from(data), shape };
}

// [2, 1, NaN] and [1, +Inf, 2] (rows a GPU once turned into [0, 0, NaN] and [0, NaN, 0]), a finite row, a row
// with -Infinity and NaN, one with -Infinity and +Infinity, and one of a single finite value among -Infinity.
// biome-ignore format: one row per line
const ROWS = values([6, 3], [
  2, 1, NaN_,
  1, Infinity, 2,
  0.5, -0.25, 3,
  -Infinity, NaN_, 1,
  -Infinity, Infinity, 0,
  -Infinity, 4, -Infinity,
]);

// The same six kinds of row 37 wide, so the special values sit where a SIMD kernel takes 16, 4 and 1 values
// at a time (columns 0-31, 32-35, 36): NaN at column 5; +Infinity at 33; a finite row with -Infinity at 0, 15,
// 34 and 36 (masked entries, exactly 0); -Infinity but NaN at 20; -Infinity but +Infinity at 36; -Infinity but
// 4 at 17.
const W = 37;
const WIDE = ((): Input => {
  const x = new Float32Array(6 * W);
  for (let j = 0; j < 6 * W; j++) x[j] = 0.1 * ((j * 7) % 11) - 0.5;
  const set = (r: number, j: number, v: number) => {
    x[r * W + j] = v;
  };
  set(0, 5, NaN_);
  set(1, 33, Infinity);
  for (const j of [0, 15, 34, 36]) set(2, j, -Infinity);
  for (const r of [3, 4, 5]) x.fill(-Infinity, r * W, (r + 1) * W);
  set(3, 20, NaN_);
  set(4, 36, Infinity);
  set(5, 17, 4);
  return { data: x, shape: [6, W] };
})();

// [2 blocks, T = 3, S = 4] scores with the causal mask (query i keeps keys j <= i + 1): NaN in a masked
// column of rows 0 and 1 changes nothing; NaN in a kept column of row 2 (block 1) makes it NaN.
// biome-ignore format: one row per line
const MASKED = values([2, 3, 4], [
  0.1, 0.2, NaN_, NaN_,
  0.3, -0.4, 0.5, NaN_,
  1, 2, 3, 4,
  0.7, -0.1, Infinity, NaN_,
  0.2, 0.2, 0.2, Infinity,
  1, NaN_, 3, 4,
]);

export function softmaxEdgeCases(backend: BackendName = "webgpu"): VerifyCase[] {
  const out: VerifyCase[] = [];
  for (const variant of variantsToCheck(backend, "softmax")) {
    // Rows of 3 or 4: the forward tolerance of cases.ts for such rows (exp's ULP error, one rounding per
    // term); NaN and infinities are matched exactly.
    const common = {
      backend,
      kernel: "softmax",
      variant,
      force: { softmax: variant } as VerifyCase["force"],
      atol: 1.2e-7,
      rtol: 4e-6,
    };
    out.push(
      makeCase({
        ...common,
        name: "edge NaN and +Infinity rows 6x3",
        shape: "[6, 3] rows=6 cols=3",
        inputs: () => ({ x: ROWS }),
        apply: (be, t) => [be.softmax(t.x!)],
      }),
      makeCase({
        ...common,
        name: "edge NaN and +Infinity rows 6x37",
        shape: "[6, 37] rows=6 cols=37",
        // The forward tolerance of cases.ts for rows of 37: the row sum's rounding adds sqrt(37)·eps.
        ...forwardTol(W),
        inputs: () => ({ x: WIDE }),
        apply: (be, t) => [be.softmax(t.x!)],
      }),
      makeCase({
        ...common,
        name: "edge NaN in masked and kept columns causalT=3 +lse",
        shape: "[2, 3, 4] causalT=3 scale=0.5 lse",
        inputs: () => ({ x: MASKED }),
        apply: (be, t) => {
          const r = be.softmaxLse(t.x!, { causalT: 3, scale: 0.5 });
          return [r.y, r.lse];
        },
      }),
      // y with zeros (masked entries) where dy holds NaN and ±Infinity: dx is finite and 0 there. Row 2's
      // NaN sits at a non-zero y and makes that row NaN.
      makeCase({
        ...common,
        name: "edge backward NaN dy where y = 0",
        shape: "[3, 4] rows=3 cols=4",
        atol: 1e-7,
        inputs: () => ({
          y: values([3, 4], [0.25, 0.75, 0, 0, 0, 1, 0, 0, 0.1, 0.2, 0.3, 0.4]),
          dy: values([3, 4], [0.5, -1, NaN_, Infinity, -Infinity, 0.3, NaN_, 2, 0.1, NaN_, 0.2, 0.3]),
        }),
        apply: (be, t) => [be.softmaxBackward(t.y!, t.dy!)],
      }),
    );
  }
  return out;
}
