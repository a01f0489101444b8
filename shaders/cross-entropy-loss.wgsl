// softmax cross-entropy forward, pass 2 of 2: loss = Σ rowLoss / N, in a single invocation looping over the N
// row losses in order (f32). Every term is >= 0, so the relative error of the sum is at most (N − 1)·2⁻²⁴.
// O(N) serial work: negligible next to pass 1, which reads N·C logits three times.

struct Params {
  N: u32,
}

@group(0) @binding(0) var<storage, read> rowLoss: array<f32>;
@group(0) @binding(1) var<storage, read_write> loss: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(1, 1, 1)
fn main() {
  var s: f32 = 0.0;
  for (var r: u32 = 0u; r < p.N; r++) {
    s += rowLoss[r];
  }
  loss[0] = s / f32(p.N);
}
