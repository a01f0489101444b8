//! use: matmul-params
// matmul, register-tiled: each invocation computes an 8x8 block of C in registers from vec4 reads of A and B
// straight from global memory. No workgroup memory and no barriers: the fast shape on software adapters, where
// a barrier costs more than the loads it would save.
// Bindings, params and TRANS_A / TRANS_B / HAS_BIAS are shared with every matmul variant
// (src/kernels/matmul/gpu.ts); a and b are read as vec4 arrays, so their buffers must be a multiple of 16 bytes.
//
// Per 4-wide step of K an invocation reads two 4x4 blocks of A and two of B (16 vec4 loads) and does 256
// multiply-adds.
// Edges: rows / columns past the end of C are clamped to the last valid one (their loads stay in range, their
// results are never stored); the last K % 4 steps run one k at a time with scalar reads.

// Set by the host when every vec4 this kernel reads from a (b) starts on a 16-byte boundary, i.e. the
// contiguous dimension (K, or M when transposed; N, or K when transposed) and the batch stride are multiples
// of 4. Then a read is one vec4 load; otherwise it is two loads and a shift.
override ALIGNED_A: bool = false;
override ALIGNED_B: bool = false;

@group(0) @binding(0) var<storage, read> a: array<vec4f>;
@group(0) @binding(1) var<storage, read> b: array<vec4f>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> p: MatmulParams;

// Elements s..s+3 of the 8 floats (lo, hi), s in 0..3.
fn shift4(lo: vec4f, hi: vec4f, s: u32) -> vec4f {
  let r1 = vec4f(lo.yzw, hi.x);
  let r2 = vec4f(lo.zw, hi.xy);
  let r3 = vec4f(lo.w, hi.xyz);
  return select(select(select(lo, r1, s == 1u), r2, s == 2u), r3, s == 3u);
}

// Floats e..e+3 of a. The `hi` read may fall one vec4 past the binding when s == 0 (then it is unused):
// WebGPU clamps out-of-bounds reads into the buffer, so it is harmless.
fn a4(e: u32) -> vec4f {
  let lo = a[e >> 2u];
  if (ALIGNED_A) {
    return lo;
  }
  return shift4(lo, a[(e >> 2u) + 1u], e & 3u);
}

fn b4(e: u32) -> vec4f {
  let lo = b[e >> 2u];
  if (ALIGNED_B) {
    return lo;
  }
  return shift4(lo, b[(e >> 2u) + 1u], e & 3u);
}

// A[m][k] and B[k][n] of one batch entry (oa, ob: its offsets), one float at a time, for the K tail.
fn a1(oa: u32, m: u32, k: u32) -> f32 {
  var e: u32 = oa + m * p.K + k;
  if (TRANS_A) {
    e = oa + k * p.M + m;
  }
  return a[e >> 2u][e & 3u];
}

fn b1(ob: u32, k: u32, n: u32) -> f32 {
  var e: u32 = ob + k * p.N + n;
  if (TRANS_B) {
    e = ob + n * p.K + k;
  }
  return b[e >> 2u][e & 3u];
}

// The 4x4 block of A at rows `rows` (m0.. clamped), columns k..k+3: column i holds A[rows[i]][k..k+3].
fn block_a(oa: u32, rows: vec4u, m0: u32, k: u32) -> mat4x4f {
  if (TRANS_A) {
    // a is [K, M]: a vec4 runs along m, so read by k and transpose. Components past M read whatever follows
    // (the next row, or a clamped read past the binding); they only feed rows that are not stored.
    let t = mat4x4f(
      a4(oa + k * p.M + m0),
      a4(oa + (k + 1u) * p.M + m0),
      a4(oa + (k + 2u) * p.M + m0),
      a4(oa + (k + 3u) * p.M + m0),
    );
    return transpose(t);
  }
  return mat4x4f(
    a4(oa + rows.x * p.K + k),
    a4(oa + rows.y * p.K + k),
    a4(oa + rows.z * p.K + k),
    a4(oa + rows.w * p.K + k),
  );
}

// The 4x4 block of B at rows k..k+3, columns `cols` (n0.. clamped): column kk holds B[k+kk][n0..n0+3].
fn block_b(ob: u32, cols: vec4u, n0: u32, k: u32) -> mat4x4f {
  if (TRANS_B) {
    // b is [N, K]: a vec4 runs along k, so read by column and transpose.
    let t = mat4x4f(
      b4(ob + cols.x * p.K + k),
      b4(ob + cols.y * p.K + k),
      b4(ob + cols.z * p.K + k),
      b4(ob + cols.w * p.K + k),
    );
    return transpose(t);
  }
  // Components past N read whatever follows (as in block_a); they only feed columns that are not stored.
  return mat4x4f(
    b4(ob + k * p.N + n0),
    b4(ob + (k + 1u) * p.N + n0),
    b4(ob + (k + 2u) * p.N + n0),
    b4(ob + (k + 3u) * p.N + n0),
  );
}

// The outer product b a^T in the layout of the accumulators: column i is b * a[i].
fn outer(b: vec4f, a: vec4f) -> mat4x4f {
  return mat4x4f(term4(a.x, b), term4(a.y, b), term4(a.z, b), term4(a.w, b));
}

// bm · am in the layout of the accumulators (column i: Σ_kk bm[kk] · am[i][kk]), each term dropped where
// SKIP_ZERO_A says so; without it, the plain matrix product.
fn product(bm: mat4x4f, am: mat4x4f) -> mat4x4f {
  if (!SKIP_ZERO_A) {
    return bm * am;
  }
  var r = mat4x4f();
  for (var i: u32 = 0u; i < 4u; i++) {
    let ai = am[i];
    r[i] = term4(ai.x, bm[0]) + term4(ai.y, bm[1]) + term4(ai.z, bm[2]) + term4(ai.w, bm[3]);
  }
  return r;
}

// Write block `acc` (column i: row m+i, columns n..n+3) plus the bias row, skipping what lies outside C.
fn store(oc: u32, acc: mat4x4f, m: u32, n: u32, bv: vec4f) {
  for (var i: u32 = 0u; i < 4u; i++) {
    if (m + i < p.M) {
      let row = acc[i] + bv;
      for (var j: u32 = 0u; j < 4u; j++) {
        if (n + j < p.N) {
          c[oc + (m + i) * p.N + n + j] = row[j];
        }
      }
    }
  }
}

fn bias_at(cols: vec4u) -> vec4f {
  if (HAS_BIAS) {
    return vec4f(bias[cols.x], bias[cols.y], bias[cols.z], bias[cols.w]);
  }
  return vec4f(0.0);
}

// An invocation computes an 8x8 block of C as four 4x4 blocks (rows lo/hi x columns lo/hi); 4x4 invocations
// cover a 32x32 tile (tileN = tileM = 32 in src/kernels/matmul/gpu.ts). Measured on SwiftShader (GFLOP per
// CPU-second, 256^3 and 512^3): 8x8 per invocation is about 1.7x faster than 4x4 (each vec4 read feeds twice the
// multiply-adds), 4x8 about 1.3x; 4x4, 8x4, 8x8 and 16x4 invocations per workgroup were within noise, and
// the smallest tile gives small matrices the most workgroups. Blocks held in an array indexed by loops, instead
// of named variables, were 3-5x slower.
@compute @workgroup_size(4, 4, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let m0 = gid.y * 8u;
  let n0 = gid.x * 8u;
  if (m0 >= p.M || n0 >= p.N) {
    return;
  }
  // Batch entries z, z + nwg.z, ...: the grid's z may hold fewer entries than the batch.
  for (var z: u32 = gid.z; z < p.batch; z += nwg.z) {
    block(z, m0, n0);
  }
}

fn block(z: u32, m0: u32, n0: u32) {
  let lane = vec4u(0u, 1u, 2u, 3u);
  let rowsLo = min(vec4u(m0) + lane, vec4u(p.M - 1u));
  let rowsHi = min(vec4u(m0 + 4u) + lane, vec4u(p.M - 1u));
  let colsLo = min(vec4u(n0) + lane, vec4u(p.N - 1u));
  let colsHi = min(vec4u(n0 + 4u) + lane, vec4u(p.N - 1u));
  let oa = z * p.strideA;
  let ob = z * p.strideB;

  // accRC: column i is row m0 + 4R + i of C over columns n0 + 4C .. +3. Column i of block_b * block_a is
  // sum over kk of A[row i][k+kk] * B[k+kk][cols]: 64 multiply-adds per 4x4 pair and K step.
  let zero = mat4x4f(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
  var acc00 = zero;
  var acc01 = zero;
  var acc10 = zero;
  var acc11 = zero;
  var k: u32 = 0u;
  for (; k + 4u <= p.K; k += 4u) {
    let aLo = block_a(oa, rowsLo, m0, k);
    let aHi = block_a(oa, rowsHi, m0 + 4u, k);
    let bLo = block_b(ob, colsLo, n0, k);
    let bHi = block_b(ob, colsHi, n0 + 4u, k);
    acc00 += product(bLo, aLo);
    acc01 += product(bHi, aLo);
    acc10 += product(bLo, aHi);
    acc11 += product(bHi, aHi);
  }
  for (; k < p.K; k++) {
    let aLo = vec4f(a1(oa, rowsLo.x, k), a1(oa, rowsLo.y, k), a1(oa, rowsLo.z, k), a1(oa, rowsLo.w, k));
    let aHi = vec4f(a1(oa, rowsHi.x, k), a1(oa, rowsHi.y, k), a1(oa, rowsHi.z, k), a1(oa, rowsHi.w, k));
    let bLo = vec4f(b1(ob, k, colsLo.x), b1(ob, k, colsLo.y), b1(ob, k, colsLo.z), b1(ob, k, colsLo.w));
    let bHi = vec4f(b1(ob, k, colsHi.x), b1(ob, k, colsHi.y), b1(ob, k, colsHi.z), b1(ob, k, colsHi.w));
    acc00 += outer(bLo, aLo);
    acc01 += outer(bHi, aLo);
    acc10 += outer(bLo, aHi);
    acc11 += outer(bHi, aHi);
  }

  let oc = z * p.M * p.N;
  let biasLo = bias_at(colsLo);
  let biasHi = bias_at(colsHi);
  store(oc, acc00, m0, n0, biasLo);
  store(oc, acc01, m0, n0 + 4u, biasHi);
  store(oc, acc10, m0 + 4u, n0, biasLo);
  store(oc, acc11, m0 + 4u, n0 + 4u, biasHi);
}
