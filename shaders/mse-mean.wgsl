// mse forward, pass 2 of 2: loss = Σ partial / n, in a single invocation looping over the P partial sums of
// mse-partial.wgsl in order (f32). All terms are >= 0, so the relative error of the whole sum is at most
// (CHUNK + P)·2⁻²⁴ (two chained recursive sums), plus the rounding of each square.

struct Params {
  n: u32,
  P: u32,
}

@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read_write> loss: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(1, 1, 1)
fn main() {
  var s: f32 = 0.0;
  for (var i: u32 = 0u; i < p.P; i++) {
    s += partial[i];
  }
  loss[0] = s / f32(p.n);
}
