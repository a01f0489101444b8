// attention backward, dk and dv: dk_j = scale · Σᵢ dSᵢⱼ·qᵢ and dv_j = Σᵢ Pᵢⱼ·doutᵢ, with the weights
// Pᵢⱼ = exp(sᵢⱼ − lseᵢ) recomputed from the forward's saved log-sum-exp and dSᵢⱼ = Pᵢⱼ·(doutᵢ·vⱼ − deltaᵢ)
// (no T×S matrix in memory).
//
// One invocation owns 4 consecutive key rows of one (batch, head): it keeps those k rows (times scale), their
// v rows and their dk, dv accumulators in private arrays and streams over the queries that see them, 8 at a
// time. No workgroup memory and no barriers; neighbouring invocations read the same q and dout rows at the
// same time.
//
// Registers: head dimension chunks of 4 (c = 0..D4-1), the 4 keys as the columns of a mat4x4f:
//   km[c]   column n = k[j0 + n][4c..4c+3] · scale     scores of query i:  s_i = Σ_c q_i chunk · km[c]
//   vm[c]   column n = v[j0 + n][4c..4c+3]             dP of query i:      dp_i = Σ_c dout_i chunk · vm[c]
//   dkm[c]  column n = Σᵢ dSᵢₙ · q_i chunk             update:  dkm[c] += (q chunks as columns) · dSᵀ
//   dvm[c]  column n = Σᵢ Pᵢₙ · dout_i chunk           update:  dvm[c] += (dout chunks as columns) · Pᵀ
//
// Causal mask: query i sees key j when j <= i + (S − T), i.e. from query first_j = j + T − S on; the loop starts
// at the smallest first_j of the 4 keys. A query whose lse is -Infinity (it sees no key; recognised by its
// bits, since WGSL lets compilers assume floats are finite) is dead: none of its weights is exponentiated.
// Only visible (query, key) pairs are exponentiated, with a finite argument s − lse of about <= 0.
//
// Layout: q, dout [BH, T, D]; k, v, dk, dv [BH, S, D]; lse, delta [BH, T] (row-major f32, no padding).

const KEYS: u32 = 4u; // key rows per invocation
const MAX_D4: u32 = 32u; // head size limit: D <= 128 (ATTENTION_FUSED_MAX_D in src/kernels/attention-gpu.ts)
const NEG_BIG: f32 = -3.0e38;
const WG: u32 = 64u;

override D: u32 = 64u; // head size
override CAUSAL: bool = false;
override D4: u32 = (D + 3u) / 4u;

struct Params {
  BH: u32,
  T: u32,
  S: u32,
  groups: u32, // ceil(S / KEYS): key groups per (batch, head)
  scale: f32,
}

@group(0) @binding(0) var<storage, read> q: array<vec4f>;
@group(0) @binding(1) var<storage, read> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> v: array<vec4f>;
@group(0) @binding(3) var<storage, read> dout: array<vec4f>;
@group(0) @binding(4) var<storage, read> lse: array<u32>; // f32 bits
@group(0) @binding(5) var<storage, read> delta: array<f32>;
@group(0) @binding(6) var<storage, read_write> dk: array<f32>;
@group(0) @binding(7) var<storage, read_write> dv: array<f32>;
@group(0) @binding(8) var<uniform> p: Params;

// Elements e..e+3 of a row from the vec4s a = [4⌊e/4⌋, ..+3] and b = the next, components past the row's end
// (4c + t >= D) zeroed (see attention-fused.wgsl).
fn straddle(a: vec4f, b: vec4f, e: u32, c: u32) -> vec4f {
  var x = a;
  switch (e % 4u) {
    case 1u: { x = vec4f(a.yzw, b.x); }
    case 2u: { x = vec4f(a.zw, b.xy); }
    case 3u: { x = vec4f(a.w, b.xyz); }
    default: {}
  }
  return select(vec4f(0.0), x, vec4u(0u, 1u, 2u, 3u) < vec4u(D - 4u * c));
}

// Chunk c of the row starting at element `row`. With D % 4 == 0 (a pipeline constant) it is one aligned vec4.
fn loadQ(row: u32, c: u32) -> vec4f {
  let e = row + 4u * c;
  if (D % 4u == 0u) {
    return q[e / 4u];
  }
  return straddle(q[e / 4u], q[e / 4u + 1u], e, c);
}

fn loadK(row: u32, c: u32) -> vec4f {
  let e = row + 4u * c;
  if (D % 4u == 0u) {
    return k[e / 4u];
  }
  return straddle(k[e / 4u], k[e / 4u + 1u], e, c);
}

fn loadV(row: u32, c: u32) -> vec4f {
  let e = row + 4u * c;
  if (D % 4u == 0u) {
    return v[e / 4u];
  }
  return straddle(v[e / 4u], v[e / 4u + 1u], e, c);
}

fn loadDout(row: u32, c: u32) -> vec4f {
  let e = row + 4u * c;
  if (D % 4u == 0u) {
    return dout[e / 4u];
  }
  return straddle(dout[e / 4u], dout[e / 4u + 1u], e, c);
}

fn store(row: u32, c: u32, x: vec4f, y: vec4f) {
  for (var t: u32 = 0u; t < 4u && 4u * c + t < D; t++) {
    dk[row + 4u * c + t] = x[t];
    dv[row + 4u * c + t] = y[t];
  }
}

// What the loop needs of query i (clamped to the last query, masked when past T or dead): its element
// offset, lse (0 when dead) and delta, and whether it takes part at all.
struct Query {
  offset: u32,
  lse: f32,
  delta: f32,
  live: bool,
}

fn query(bh: u32, i: i32) -> Query {
  let row = bh * p.T + u32(min(i, i32(p.T) - 1));
  let bits = lse[row];
  let live = i < i32(p.T) && (bits & 0x7f800000u) != 0x7f800000u;
  return Query(row * D, select(0.0, bitcast<f32>(bits), live), delta[row], live);
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= p.BH * p.groups) {
    return;
  }
  let bh = idx / p.groups;
  let j0 = (idx % p.groups) * KEYS;
  let nKeys = min(KEYS, p.S - j0);
  let kvBase = bh * p.S * D;

  var km = array<mat4x4f, MAX_D4>();
  var vm = array<mat4x4f, MAX_D4>();
  var dkm = array<mat4x4f, MAX_D4>();
  var dvm = array<mat4x4f, MAX_D4>();
  for (var n: u32 = 0u; n < nKeys; n++) {
    for (var c: u32 = 0u; c < D4; c++) {
      km[c][n] = loadK(kvBase + (j0 + n) * D, c) * p.scale;
      vm[c][n] = loadV(kvBase + (j0 + n) * D, c);
    }
  }
  // First query that sees each key: 0, or j + T − S with the causal mask; T (none) for the keys past S.
  let keyIdx = vec4i(i32(j0)) + vec4i(0, 1, 2, 3);
  var first = vec4i(0);
  if (CAUSAL) {
    first = keyIdx + vec4i(i32(p.T) - i32(p.S));
  }
  first = select(vec4i(i32(p.T)), first, keyIdx < vec4i(i32(p.S)));
  let iStart = max(0, min(min(first.x, first.y), min(first.z, first.w)));

  for (var i0: i32 = iStart; i0 < i32(p.T); i0 += 8) {
    var qs = array<Query, 8>();
    for (var m: i32 = 0; m < 8; m++) {
      qs[m] = query(bh, i0 + m);
    }

    // Column m: scores (s) and dout·v (dp) of query i0 + m (a) or i0 + 4 + m (b) over the 4 keys.
    var sa = mat4x4f();
    var sb = mat4x4f();
    var dpa = mat4x4f();
    var dpb = mat4x4f();
    for (var c: u32 = 0u; c < D4; c++) {
      let kc = km[c];
      let vc = vm[c];
      for (var m: u32 = 0u; m < 4u; m++) {
        sa[m] += loadQ(qs[m].offset, c) * kc;
        sb[m] += loadQ(qs[m + 4u].offset, c) * kc;
        dpa[m] += loadDout(qs[m].offset, c) * vc;
        dpb[m] += loadDout(qs[m + 4u].offset, c) * vc;
      }
    }

    // P and dS = P ⊙ (dP − delta); a masked weight is exp(NEG_BIG) = 0, and the outer select makes that exact.
    var pa = mat4x4f();
    var pb = mat4x4f();
    var dsa = mat4x4f();
    var dsb = mat4x4f();
    for (var m: i32 = 0; m < 4; m++) {
      let qa = qs[m];
      let qb = qs[m + 4];
      let visA = (vec4i(i0 + m) >= first) & vec4<bool>(qa.live);
      let visB = (vec4i(i0 + 4 + m) >= first) & vec4<bool>(qb.live);
      pa[m] = select(vec4f(0.0), exp(select(vec4f(NEG_BIG), sa[m] - qa.lse, visA)), visA);
      pb[m] = select(vec4f(0.0), exp(select(vec4f(NEG_BIG), sb[m] - qb.lse, visB)), visB);
      dsa[m] = pa[m] * (dpa[m] - qa.delta);
      dsb[m] = pb[m] * (dpb[m] - qb.delta);
    }

    // Column n of paT: key n's weights from queries i0..i0+3, so (dout chunks as columns) · paT adds Σ P·dout.
    let paT = transpose(pa);
    let pbT = transpose(pb);
    let dsaT = transpose(dsa);
    let dsbT = transpose(dsb);
    for (var c: u32 = 0u; c < D4; c++) {
      let qma = mat4x4f(
        loadQ(qs[0].offset, c),
        loadQ(qs[1].offset, c),
        loadQ(qs[2].offset, c),
        loadQ(qs[3].offset, c),
      );
      let qmb = mat4x4f(
        loadQ(qs[4].offset, c),
        loadQ(qs[5].offset, c),
        loadQ(qs[6].offset, c),
        loadQ(qs[7].offset, c),
      );
      let oma = mat4x4f(
        loadDout(qs[0].offset, c),
        loadDout(qs[1].offset, c),
        loadDout(qs[2].offset, c),
        loadDout(qs[3].offset, c),
      );
      let omb = mat4x4f(
        loadDout(qs[4].offset, c),
        loadDout(qs[5].offset, c),
        loadDout(qs[6].offset, c),
        loadDout(qs[7].offset, c),
      );
      dkm[c] += qma * dsaT + qmb * dsbT;
      dvm[c] += oma * paT + omb * pbT;
    }
  }

  for (var n: u32 = 0u; n < nKeys; n++) {
    let row = kvBase + (j0 + n) * D;
    for (var c: u32 = 0u; c < D4; c++) {
      store(row, c, dkm[c][n] * p.scale, dvm[c][n]);
    }
  }
}
