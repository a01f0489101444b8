// Element-wise comparison of a GPU result with the CPU reference: |gpu − ref| <= atol + rtol·|ref|.
// Non-finite reference values (−Infinity for a fully masked row's log-sum-exp) must be matched exactly.
// f32 kernels may flush subnormals to zero (backend/contract.ts, "Numeric range"): a subnormal reference value
// (|ref| < 2^-126) is matched by 0 (of either sign) whatever atol says; any other value by the tolerance.

/** The smallest normal f32, 2^-126. */
export const F32_MIN_NORMAL = 2 ** -126;

export interface Comparison {
  maxAbsErr: number;
  maxRelErr: number;
  /** Index of the worst element (by margin over its tolerance), -1 if none. */
  worst: number;
  pass: boolean;
  /** First failing element, for the report. */
  detail: string;
}

export function compare(gpu: Float32Array, ref: Float32Array, atol: number, rtol: number): Comparison {
  if (gpu.length !== ref.length) {
    return {
      maxAbsErr: Infinity,
      maxRelErr: Infinity,
      worst: -1,
      pass: false,
      detail: `length ${gpu.length} != ${ref.length}`,
    };
  }
  let maxAbsErr = 0;
  let maxRelErr = 0;
  let worst = -1;
  let worstMargin = -Infinity;
  let detail = "";
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const g = gpu[i]!;
    let ok: boolean;
    let margin: number;
    if (!Number.isFinite(r)) {
      ok = Object.is(g, r) || (Number.isNaN(r) && Number.isNaN(g));
      margin = ok ? -Infinity : Infinity;
    } else {
      const err = Math.abs(g - r);
      const flushed = g === 0 && Math.abs(r) < F32_MIN_NORMAL;
      ok = flushed || err <= atol + rtol * Math.abs(r); // false for NaN
      margin = Number.isNaN(err) ? Infinity : flushed ? -Infinity : err - (atol + rtol * Math.abs(r));
      if (!Number.isNaN(err)) {
        maxAbsErr = Math.max(maxAbsErr, err);
        if (r !== 0) maxRelErr = Math.max(maxRelErr, err / Math.abs(r));
      } else {
        maxAbsErr = Infinity;
      }
    }
    if (margin > worstMargin) {
      worstMargin = margin;
      worst = i;
    }
    if (!ok && !detail) detail = `element ${i}: gpu ${g} vs ref ${r}`;
  }
  return { maxAbsErr, maxRelErr, worst, pass: detail === "", detail };
}
