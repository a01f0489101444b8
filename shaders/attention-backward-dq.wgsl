// attention backward, dq: dq_i = scale · Σⱼ dSᵢⱼ·kⱼ with dSᵢⱼ = Pᵢⱼ·(doutᵢ·vⱼ − deltaᵢ), where the weights
// Pᵢⱼ = exp(sᵢⱼ − lseᵢ) are recomputed from the forward's saved log-sum-exp (no T×S matrix in memory).
//
// One invocation owns 4 consecutive query rows of one (batch, head), like the forward kernel
// (attention-fused.wgsl): it keeps those q rows (times scale), their dout rows and their dq accumulators in
// private arrays and streams over the keys 8 at a time. No workgroup memory and no barriers.
//
// Registers: head dimension chunks of 4 (c = 0..D4-1), the 4 rows as the columns of a mat4x4f:
//   qm[c]  column r = q[i0 + r][4c..4c+3] · scale     scores of key j:  s_j = Σ_c k_j chunk · qm[c]
//   om[c]  column r = dout[i0 + r][4c..4c+3]          dP of key j:      dp_j = Σ_c v_j chunk · om[c]
//   acc[c] column r = Σⱼ dSᵣⱼ · k_j[4c..4c+3]         update:  acc[c] += (k chunks as columns) · dSᵀ
//
// Numerics: only visible keys of live rows are exponentiated, and their argument s − lse is finite and about
// <= 0. A row whose lse is -Infinity (it sees no key) is dead: it gets last = -1, so no key is visible to it,
// its lse is never used, and its dq is written as 0. Dead rows are recognised by lse's bits, since WGSL lets
// compilers assume floats are finite.
//
// Layout: q, dout, dq [BH, T, D]; k, v [BH, S, D]; lse, delta [BH, T] (row-major f32, no padding).

const ROWS: u32 = 4u; // query rows per invocation
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
  groups: u32, // ceil(T / ROWS): row groups per (batch, head)
  scale: f32,
}

@group(0) @binding(0) var<storage, read> q: array<vec4f>;
@group(0) @binding(1) var<storage, read> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> v: array<vec4f>;
@group(0) @binding(3) var<storage, read> dout: array<vec4f>;
@group(0) @binding(4) var<storage, read> lse: array<u32>; // f32 bits
@group(0) @binding(5) var<storage, read> delta: array<f32>;
@group(0) @binding(6) var<storage, read_write> dq: array<f32>;
@group(0) @binding(7) var<uniform> p: Params;

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

fn storeDq(row: u32, c: u32, x: vec4f) {
  for (var t: u32 = 0u; t < 4u && 4u * c + t < D; t++) {
    dq[row + 4u * c + t] = x[t];
  }
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= p.BH * p.groups) {
    return;
  }
  let bh = idx / p.groups;
  let i0 = (idx % p.groups) * ROWS;
  let nRows = min(ROWS, p.T - i0);
  let kvBase = bh * p.S * D;

  var qm = array<mat4x4f, MAX_D4>();
  var om = array<mat4x4f, MAX_D4>();
  var acc = array<mat4x4f, MAX_D4>();
  var lseR = vec4f(0.0); // lse of live rows, 0 for dead ones (never used there)
  var dlt = vec4f(0.0);
  // Last visible key per row (inclusive): S - 1, or i + (S - T) with the causal mask; -1 for a dead row and
  // for the rows past T (padding of the last group, never written).
  var last = vec4i(-1);
  for (var r: u32 = 0u; r < nRows; r++) {
    let row = bh * p.T + i0 + r;
    let bits = lse[row];
    // -Infinity marks a fully masked row.
    if ((bits & 0x7f800000u) != 0x7f800000u) {
      for (var c: u32 = 0u; c < D4; c++) {
        qm[c][r] = loadQ(row * D, c) * p.scale;
        om[c][r] = loadDout(row * D, c);
      }
      lseR[r] = bitcast<f32>(bits);
      dlt[r] = delta[row];
      var lastR = i32(p.S) - 1;
      if (CAUSAL) {
        lastR = min(lastR, i32(i0 + r) + i32(p.S) - i32(p.T));
      }
      last[r] = lastR;
    }
  }
  // Keys past the largest limit are masked for every row: stop there (at once when every row is dead).
  let kEnd = max(max(last.x, last.y), max(last.z, last.w)) + 1;

  for (var j0: i32 = 0; j0 < kEnd; j0 += 8) {
    // Row offsets of keys j0..j0+7, clamped to the last key in range: a clamped row is real data whose
    // weights are masked below, so nothing is read outside the keys.
    let jl = vec4i(kEnd - 1);
    let ka = vec4u(kvBase) + vec4u(min(vec4i(j0) + vec4i(0, 1, 2, 3), jl)) * D;
    let kb = vec4u(kvBase) + vec4u(min(vec4i(j0) + vec4i(4, 5, 6, 7), jl)) * D;

    // Column n: scores (s) and dout·v (dp) of key j0 + n (a) or j0 + 4 + n (b), for the 4 rows.
    var sa = mat4x4f();
    var sb = mat4x4f();
    var dpa = mat4x4f();
    var dpb = mat4x4f();
    for (var c: u32 = 0u; c < D4; c++) {
      let qc = qm[c];
      let oc = om[c];
      sa[0] += loadK(ka.x, c) * qc;
      sa[1] += loadK(ka.y, c) * qc;
      sa[2] += loadK(ka.z, c) * qc;
      sa[3] += loadK(ka.w, c) * qc;
      sb[0] += loadK(kb.x, c) * qc;
      sb[1] += loadK(kb.y, c) * qc;
      sb[2] += loadK(kb.z, c) * qc;
      sb[3] += loadK(kb.w, c) * qc;
      dpa[0] += loadV(ka.x, c) * oc;
      dpa[1] += loadV(ka.y, c) * oc;
      dpa[2] += loadV(ka.z, c) * oc;
      dpa[3] += loadV(ka.w, c) * oc;
      dpb[0] += loadV(kb.x, c) * oc;
      dpb[1] += loadV(kb.y, c) * oc;
      dpb[2] += loadV(kb.z, c) * oc;
      dpb[3] += loadV(kb.w, c) * oc;
    }

    // dS = P ⊙ (dP − delta); a masked weight is exp(NEG_BIG) = 0, and the outer select makes that exact.
    var dsa = mat4x4f();
    var dsb = mat4x4f();
    for (var n: i32 = 0; n < 4; n++) {
      let visA = vec4i(j0 + n) <= last;
      let visB = vec4i(j0 + 4 + n) <= last;
      let pa = select(vec4f(0.0), exp(select(vec4f(NEG_BIG), sa[n] - lseR, visA)), visA);
      let pb = select(vec4f(0.0), exp(select(vec4f(NEG_BIG), sb[n] - lseR, visB)), visB);
      dsa[n] = pa * (dpa[n] - dlt);
      dsb[n] = pb * (dpb[n] - dlt);
    }

    // Column r of dsaT: row r's dS over keys j0..j0+3, so (k chunks as columns) · dsaT adds Σ dS·k per row.
    let dsaT = transpose(dsa);
    let dsbT = transpose(dsb);
    for (var c: u32 = 0u; c < D4; c++) {
      let kma = mat4x4f(loadK(ka.x, c), loadK(ka.y, c), loadK(ka.z, c), loadK(ka.w, c));
      let kmb = mat4x4f(loadK(kb.x, c), loadK(kb.y, c), loadK(kb.z, c), loadK(kb.w, c));
      acc[c] += kma * dsaT + kmb * dsbT;
    }
  }

  // Every row of the group is written, dead ones as 0 (their acc never changed).
  for (var r: u32 = 0u; r < nRows; r++) {
    let row = bh * p.T + i0 + r;
    for (var c: u32 = 0u; c < D4; c++) {
      storeDq(row * D, c, acc[c][r] * p.scale);
    }
  }
}
