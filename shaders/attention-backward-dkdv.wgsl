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
// (4c + t >= D) zeroed (see attention-fused.wgsl). Selects rather than a switch: inlined at every load site,
// a switch made SwiftShader's pipeline compilation take minutes (and lose the device) for D % 4 != 0, while
// selects compile in about a second and cost a few shuffles.
fn straddle(a: vec4f, b: vec4f, e: u32, c: u32) -> vec4f {
  let o = e % 4u;
  var x = select(a, vec4f(a.yzw, b.x), o == 1u);
  x = select(x, vec4f(a.zw, b.xy), o == 2u);
  x = select(x, vec4f(a.w, b.xyz), o == 3u);
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
  // First query that sees each key: 0, or j + T − S with the causal mask (clamped at 0); T (none) for the
  // keys past S.
  let keyIdx = vec4i(i32(j0)) + vec4i(0, 1, 2, 3);
  var first = vec4i(0);
  if (CAUSAL) {
    first = max(keyIdx + vec4i(i32(p.T) - i32(p.S)), vec4i(0));
  }
  first = select(vec4i(i32(p.T)), first, keyIdx < vec4i(i32(p.S)));
  let iStart = min(min(first.x, first.y), min(first.z, first.w));

  for (var i0: i32 = iStart; i0 < i32(p.T); i0 += 8) {
    // Queries i0..i0+3 (a) and i0+4..i0+7 (b): element offsets (clamped to the last query: real data, masked
    // below), lse (0 where unused) and delta, and the index the mask compares: -1 (sees nothing) past T and
    // for a dead query.
    let ia = vec4i(i0) + vec4i(0, 1, 2, 3);
    let ib = vec4i(i0) + vec4i(4, 5, 6, 7);
    let tl = vec4i(i32(p.T) - 1);
    let ra = vec4u(bh * p.T) + vec4u(min(ia, tl));
    let rb = vec4u(bh * p.T) + vec4u(min(ib, tl));
    let bitsA = vec4u(lse[ra.x], lse[ra.y], lse[ra.z], lse[ra.w]);
    let bitsB = vec4u(lse[rb.x], lse[rb.y], lse[rb.z], lse[rb.w]);
    let liveA = (ia <= tl) & ((bitsA & vec4u(0x7f800000u)) != vec4u(0x7f800000u));
    let liveB = (ib <= tl) & ((bitsB & vec4u(0x7f800000u)) != vec4u(0x7f800000u));
    let lseA = select(vec4f(0.0), bitcast<vec4f>(bitsA), liveA);
    let lseB = select(vec4f(0.0), bitcast<vec4f>(bitsB), liveB);
    let dA = vec4f(delta[ra.x], delta[ra.y], delta[ra.z], delta[ra.w]);
    let dB = vec4f(delta[rb.x], delta[rb.y], delta[rb.z], delta[rb.w]);
    let idxA = select(vec4i(-1), ia, liveA);
    let idxB = select(vec4i(-1), ib, liveB);
    let qa = ra * D;
    let qb = rb * D;

    // Column m of sa (sb): scores of query i0 + m (i0 + 4 + m) with the 4 keys; dpa, dpb: dout·v likewise.
    var sa = mat4x4f();
    var sb = mat4x4f();
    var dpa = mat4x4f();
    var dpb = mat4x4f();
    for (var c: u32 = 0u; c < D4; c++) {
      let kc = km[c];
      let vc = vm[c];
      sa[0] += loadQ(qa.x, c) * kc;
      sa[1] += loadQ(qa.y, c) * kc;
      sa[2] += loadQ(qa.z, c) * kc;
      sa[3] += loadQ(qa.w, c) * kc;
      sb[0] += loadQ(qb.x, c) * kc;
      sb[1] += loadQ(qb.y, c) * kc;
      sb[2] += loadQ(qb.z, c) * kc;
      sb[3] += loadQ(qb.w, c) * kc;
      dpa[0] += loadDout(qa.x, c) * vc;
      dpa[1] += loadDout(qa.y, c) * vc;
      dpa[2] += loadDout(qa.z, c) * vc;
      dpa[3] += loadDout(qa.w, c) * vc;
      dpb[0] += loadDout(qb.x, c) * vc;
      dpb[1] += loadDout(qb.y, c) * vc;
      dpb[2] += loadDout(qb.z, c) * vc;
      dpb[3] += loadDout(qb.w, c) * vc;
    }

    // P and dS = P ⊙ (dP − delta); a masked weight is exp(NEG_BIG) = 0, and the outer select makes that exact.
    // first >= 0, so a query index of -1 sees no key.
    var pa = mat4x4f();
    var pb = mat4x4f();
    var dsa = mat4x4f();
    var dsb = mat4x4f();
    for (var m: i32 = 0; m < 4; m++) {
      let visA = vec4i(idxA[m]) >= first;
      let visB = vec4i(idxB[m]) >= first;
      pa[m] = select(vec4f(0.0), exp(select(vec4f(NEG_BIG), sa[m] - lseA[m], visA)), visA);
      pb[m] = select(vec4f(0.0), exp(select(vec4f(NEG_BIG), sb[m] - lseB[m], visB)), visB);
      dsa[m] = pa[m] * (dpa[m] - dA[m]);
      dsb[m] = pb[m] * (dpb[m] - dB[m]);
    }

    // Column n of paT: key n's weights from queries i0..i0+3, so (dout chunks as columns) · paT adds Σ P·dout
    // to key n's dv chunk; the same with q chunks and dS for dk.
    let paT = transpose(pa);
    let pbT = transpose(pb);
    let dsaT = transpose(dsa);
    let dsbT = transpose(dsb);
    for (var c: u32 = 0u; c < D4; c++) {
      let qma = mat4x4f(loadQ(qa.x, c), loadQ(qa.y, c), loadQ(qa.z, c), loadQ(qa.w, c));
      let qmb = mat4x4f(loadQ(qb.x, c), loadQ(qb.y, c), loadQ(qb.z, c), loadQ(qb.w, c));
      let oma = mat4x4f(loadDout(qa.x, c), loadDout(qa.y, c), loadDout(qa.z, c), loadDout(qa.w, c));
      let omb = mat4x4f(loadDout(qb.x, c), loadDout(qb.y, c), loadDout(qb.z, c), loadDout(qb.w, c));
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
