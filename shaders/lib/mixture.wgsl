// mixture: the uniform block of the mixture kernels and the linear maps they share. The spec is
// src/kernels/mixture/reference.ts.

struct MixtureParams {
  K: u32,
  N: u32,
  F: u32,
  E: u32,
}

// b[k, e] (0 without a bias) + Σ_f x[n, f]·w[k, f, e]: an expert's score or value for row n of model k.
fn mixture_linear(
  x: ptr<storage, array<f32>, read>,
  w: ptr<storage, array<f32>, read>,
  b: ptr<storage, array<f32>, read>,
  has_bias: bool,
  p: MixtureParams,
  k: u32,
  n: u32,
  e: u32,
) -> f32 {
  var s: f32 = 0.0;
  if (has_bias) {
    s = (*b)[k * p.E + e];
  }
  for (var f: u32 = 0u; f < p.F; f++) {
    s += (*x)[n * p.F + f] * (*w)[(k * p.F + f) * p.E + e];
  }
  return s;
}
