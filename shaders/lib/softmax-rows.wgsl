// softmax-rows: the uniform blocks and the causal mask of the row-softmax kernels; the row and workgroup
// variants of each direction share bindings and params (src/kernels/softmax/gpu.ts).

struct SoftmaxParams {
  rows: u32,
  cols: u32,
  causalT: u32,
  scale: f32,
}

struct SoftmaxBackwardParams {
  rows: u32,
  cols: u32,
}

// Columns [0, kept) of row r survive the causal mask j > i + (cols - T), with i = r mod T: j <= i + cols - T
// <=> j < i + cols + 1 - T. All of them without the mask.
fn kept_cols(r: u32, cols: u32, causal_t: u32, causal: bool) -> u32 {
  if (!causal) {
    return cols;
  }
  let lim = r % causal_t + cols + 1u;
  if (lim <= causal_t) {
    return 0u;
  }
  return min(cols, lim - causal_t);
}

// Whether a softmax output takes part in the backward, on its bits: y = 0 (masked, -Infinity, underflowed) does
// not, whatever dy holds there; NaN does (it propagates).
fn weight_nonzero(y: f32) -> bool {
  return (bitcast<u32>(y) & 0x7fffffffu) != 0u;
}
