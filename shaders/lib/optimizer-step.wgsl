// optimizer-step: gradient clipping as the optimizer kernels (sgd, adam) apply it, evaluated on the device.
//
// GUARD: skip the step when the global sum of squares is NaN or ±Infinity (tested on the exponent bits: a
// compiler may assume floats are finite and fold `x != x` to false). SCALE: scale gradients by
// min(1, maxNorm / (sqrt(sumSq) + 1e-6)). Without GUARD the sum is never looked at (its binding is a dummy).

override GUARD: bool = false;
override SCALE: bool = false;

// The gradient scale, or -1 when the step must be skipped.
fn clip_scale(sum_sq: f32, max_norm: f32) -> f32 {
  if (!GUARD) {
    return 1.0;
  }
  if ((bitcast<u32>(sum_sq) & 0x7f800000u) == 0x7f800000u) {
    return -1.0;
  }
  if (!SCALE) {
    return 1.0;
  }
  return min(1.0, max_norm / (sqrt(sum_sq) + 1e-6));
}
