//! use: matmul-params
// matmul, workgroup-tiled: a workgroup of 16x16 invocations computes a 64x64 tile of C. K is walked in steps of
// 16: the 64x16 slice of A and the 16x64 slice of B are staged in workgroup memory (coalesced global reads, one
// vec4 of each per invocation), then every invocation accumulates its 4x4 block of C in registers from them.
// Each staged float is read 16 times from fast memory instead of 16 times from global memory: the recipe that
// makes matmul fast on real GPUs. On SwiftShader, where barriers are expensive, it measured about 3x slower than
// matmul-register (and 5-7x faster than matmul-naive) at 256^3 and 512^3.
// Bindings, params and override constants are shared with every matmul variant (src/kernels/matmul/gpu.ts).


@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> p: MatmulParams;

const TILE: u32 = 64u; // rows and columns of C per workgroup (tileM = tileN = 64 in matmul/gpu.ts)
const TILE_K: u32 = 16u;
// A row of the staged tiles holds TILE / 4 = 16 vec4s, padded to 17 so that the staging writes of consecutive
// invocations (which step along k) fall in different memory banks. 2 * 16 * 17 * 16 B = 8704 B.
const ROW: u32 = 17u;

// as_[kk * ROW + q] = A[m0 + 4q .. 4q+3][k0 + kk]; bs[kk * ROW + q] = B[k0 + kk][n0 + 4q .. 4q+3].
var<workgroup> as_: array<vec4f, 272>;
var<workgroup> bs: array<vec4f, 272>;

// A[m][k] of batch entry offset oa, 0 outside the matrix (the tile edge and the K tail read zeros).
fn load_a(oa: u32, m: u32, k: u32) -> f32 {
  if (m >= p.M || k >= p.K) {
    return 0.0;
  }
  if (TRANS_A) {
    return a[oa + k * p.M + m];
  }
  return a[oa + m * p.K + k];
}

fn load_b(ob: u32, k: u32, n: u32) -> f32 {
  if (k >= p.K || n >= p.N) {
    return 0.0;
  }
  if (TRANS_B) {
    return b[ob + n * p.K + k];
  }
  return b[ob + k * p.N + n];
}

@compute @workgroup_size(16, 16, 1)
fn main(
  @builtin(workgroup_id) wg: vec3u,
  @builtin(local_invocation_id) lid: vec3u,
  @builtin(local_invocation_index) li: u32,
  @builtin(num_workgroups) nwg: vec3u,
) {
  // Batch entries z, z + nwg.z, ...: the grid's z may hold fewer entries than the batch. The bound is uniform
  // across the workgroup, so every invocation reaches the same barriers.
  for (var z: u32 = wg.z; z < p.batch; z += nwg.z) {
    tile(z, wg.xy, lid.xy, li);
  }
}

fn tile(z: u32, wg: vec2u, lid: vec2u, li: u32) {
  let m0 = wg.y * TILE;
  let n0 = wg.x * TILE;
  let oa = z * p.strideA;
  let ob = z * p.strideB;

  // Staging assignment: invocation li fills one vec4 of each tile. Consecutive invocations step along the
  // operand's contiguous dimension so that a group of them reads consecutive addresses.
  var aq: u32 = li / TILE_K; // vec4 index along m
  var ak: u32 = li % TILE_K;
  if (TRANS_A) {
    aq = li % (TILE / 4u);
    ak = li / (TILE / 4u);
  }
  var bq: u32 = li % (TILE / 4u); // vec4 index along n
  var bk: u32 = li / (TILE / 4u);
  if (TRANS_B) {
    bq = li / TILE_K;
    bk = li % TILE_K;
  }

  var acc = array<vec4f, 4>(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
  for (var k0: u32 = 0u; k0 < p.K; k0 += TILE_K) {
    let am = m0 + aq * 4u;
    let ka = k0 + ak;
    as_[ak * ROW + aq] = vec4f(
      load_a(oa, am, ka),
      load_a(oa, am + 1u, ka),
      load_a(oa, am + 2u, ka),
      load_a(oa, am + 3u, ka),
    );
    let bn = n0 + bq * 4u;
    let kb = k0 + bk;
    bs[bk * ROW + bq] = vec4f(
      load_b(ob, kb, bn),
      load_b(ob, kb, bn + 1u),
      load_b(ob, kb, bn + 2u),
      load_b(ob, kb, bn + 3u),
    );
    workgroupBarrier();

    // Invocation (lid.x, lid.y) owns rows m0 + 4*lid.y .. +3 and columns n0 + 4*lid.x .. +3.
    for (var kk: u32 = 0u; kk < TILE_K; kk++) {
      let av = as_[kk * ROW + lid.y];
      let bv = bs[kk * ROW + lid.x];
      acc[0] += term4(av.x, bv);
      acc[1] += term4(av.y, bv);
      acc[2] += term4(av.z, bv);
      acc[3] += term4(av.w, bv);
    }
    // The next iteration overwrites the tiles: every invocation must be done reading them.
    workgroupBarrier();
  }

  let row0 = m0 + lid.y * 4u;
  let col0 = n0 + lid.x * 4u;
  var bv = vec4f(0.0);
  if (HAS_BIAS) {
    for (var j: u32 = 0u; j < 4u; j++) {
      bv[j] = bias[min(col0 + j, p.N - 1u)];
    }
  }
  let oc = z * p.M * p.N;
  for (var i: u32 = 0u; i < 4u; i++) {
    let m = row0 + i;
    if (m < p.M) {
      let r = acc[i] + bv;
      for (var j: u32 = 0u; j < 4u; j++) {
        if (col0 + j < p.N) {
          c[oc + m * p.N + col0 + j] = r[j];
        }
      }
    }
  }
}
