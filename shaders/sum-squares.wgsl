// Strided sum into slots, the building block of the global sum of squares (see src/kernels/optim/gpu.ts).
// Invocation s (s < slots) adds src[s], src[s + slots], src[s + 2·slots], ... (squared when SQUARE) and stores
// the sum in dst[s], or adds it to dst[s] when `accumulate` is set. Slot s is owned by invocation s alone, and
// dispatches run in queue order, so no atomics and no barriers are needed; the order of every sum is fixed.
//   pass 1, once per tensor: src = tensor, dst = partial[slots], SQUARE, accumulate after the first tensor
//   pass 2, once:            src = partial, dst = out[1], slots = 1, plain sum
// Accumulation in f32.

override SQUARE: bool = true;

struct Params {
  n: u32,          // elements of src
  slots: u32,      // invocations doing work = stride between the elements one invocation reads
  accumulate: u32, // 0: dst[s] = sum, else dst[s] += sum
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let s = gid.x;
  if (s >= p.slots) {
    return;
  }
  var acc: f32 = 0.0;
  // n < 2^28 (1 GiB binding limit / 4 bytes) and slots <= 4096, so i + slots never wraps.
  for (var i: u32 = s; i < p.n; i += p.slots) {
    let x = src[i];
    if (SQUARE) {
      acc += x * x;
    } else {
      acc += x;
    }
  }
  if (p.accumulate != 0u) {
    dst[s] += acc;
  } else {
    dst[s] = acc;
  }
}
