// attention, fused: out = softmax(scale·Q·Kᵀ + causal mask)·V and lse = log Σⱼ exp(sᵢⱼ) in one pass.
//
// One invocation owns ROWS consecutive query rows of one (batch, head). It keeps those q rows (pre-multiplied
// by scale) and their output accumulators in private arrays of vec4f, then streams over the keys KB at a time
// with an online softmax: per row a running max m and a running sum l of exp(s - m); when a block raises the
// max, the accumulator and l are rescaled by exp(m_old - m_new). Each k and v row loaded is used by all ROWS
// query rows, and the T×S score matrix never exists in memory. No workgroup memory and no barriers: on
// software adapters barriers dominate, and neighbouring invocations read the same k/v rows at the same time,
// which caches serve well on hardware.
//
// Numerics: masked scores are never exponentiated. The running max starts at the finite NEG_BIG (not -inf),
// and both exp() arguments are kept <= 0 and finite: p = exp(s - m_new) only for visible keys, and the rescale
// factor is 0 while no key has been seen. A row that sees no key (causal with T > S) ends with l = 0 and
// writes out = 0, lse = -inf.
//
// Layout: q, out [BH, T, D]; k, v [BH, S, D]; lse [BH, T] (row-major f32, no padding). D is an override
// (pipelines are per head size) and at most 4·MAX_D4; a D that is not a multiple of 4 is read and written
// with a masked last vec4.

const ROWS: u32 = 4u; // query rows per invocation (the components of m, l and the score vectors)
const KB: u32 = 4u; // keys per block
const MAX_D4: u32 = 32u; // head size limit: D <= 128 (see ATTENTION_FUSED_MAX_D)
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

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

// Elements 4c..4c+3 of the row starting at `base`, zero past D (never reading a neighbour's or stale data).
fn loadQ(base: u32, c: u32) -> vec4f {
  let i = base + c * 4u;
  if (c * 4u + 4u <= D) {
    return vec4f(q[i], q[i + 1u], q[i + 2u], q[i + 3u]);
  }
  var r = vec4f(0.0);
  for (var e: u32 = 0u; c * 4u + e < D; e++) {
    r[e] = q[i + e];
  }
  return r;
}

fn loadK(base: u32, c: u32) -> vec4f {
  let i = base + c * 4u;
  if (c * 4u + 4u <= D) {
    return vec4f(k[i], k[i + 1u], k[i + 2u], k[i + 3u]);
  }
  var r = vec4f(0.0);
  for (var e: u32 = 0u; c * 4u + e < D; e++) {
    r[e] = k[i + e];
  }
  return r;
}

fn loadV(base: u32, c: u32) -> vec4f {
  let i = base + c * 4u;
  if (c * 4u + 4u <= D) {
    return vec4f(v[i], v[i + 1u], v[i + 2u], v[i + 3u]);
  }
  var r = vec4f(0.0);
  for (var e: u32 = 0u; c * 4u + e < D; e++) {
    r[e] = v[i + e];
  }
  return r;
}

fn storeOut(base: u32, c: u32, x: vec4f) {
  for (var e: u32 = 0u; e < 4u && c * 4u + e < D; e++) {
    out[base + c * 4u + e] = x[e];
  }
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // The grid may be 2-D when BH·groups exceeds one dimension's workgroup limit.
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= p.BH * p.groups) {
    return;
  }
  let bh = idx / p.groups;
  let i0 = (idx % p.groups) * ROWS;
  let nRows = min(ROWS, p.T - i0);
  let qBase = bh * p.T * D;
  let kvBase = bh * p.S * D;

  // Last visible key per row (inclusive): S - 1, or i + (S - T) with the causal mask. Rows past T get the
  // last real row's limit; they are computed on zeros and never written.
  let rowIdx = vec4i(i32(i0)) + vec4i(0, 1, 2, 3);
  var last = vec4i(i32(p.S) - 1);
  if (CAUSAL) {
    last = min(last, min(rowIdx, vec4i(i32(i0 + nRows) - 1)) + vec4i(i32(p.S) - i32(p.T)));
  }
  // Keys past the largest limit are masked for every row: stop there.
  let kEnd = max(max(last.x, last.y), max(last.z, last.w)) + 1;

  var qr = array<array<vec4f, MAX_D4>, ROWS>();
  var acc = array<array<vec4f, MAX_D4>, ROWS>();
  for (var r: u32 = 0u; r < nRows; r++) {
    for (var c: u32 = 0u; c < D4; c++) {
      qr[r][c] = loadQ(qBase + (i0 + r) * D, c) * p.scale;
    }
  }
  var m = vec4f(NEG_BIG); // running max per row
  var l = vec4f(0.0); // running Σ exp(s - m) per row

  for (var j0: i32 = 0; j0 < kEnd; j0 += i32(KB)) {
    // s[jj][r]: score of key j0 + jj for row r; vis[jj][r]: whether row r sees that key.
    var s = array<vec4f, KB>();
    var vis = array<vec4<bool>, KB>();
    for (var jj: u32 = 0u; jj < KB; jj++) {
      let j = j0 + i32(jj);
      var dotv = vec4f(0.0);
      if (j < kEnd) {
        let kb = kvBase + u32(j) * D;
        for (var c: u32 = 0u; c < D4; c++) {
          let kv = loadK(kb, c);
          dotv += vec4f(dot(qr[0][c], kv), dot(qr[1][c], kv), dot(qr[2][c], kv), dot(qr[3][c], kv));
        }
      }
      vis[jj] = vec4i(j) <= last;
      s[jj] = select(vec4f(NEG_BIG), dotv, vis[jj]);
    }
    let mNew = max(m, max(max(s[0], s[1]), max(s[2], s[3])));
    // exp(m - mNew) is 1 when the max did not move; 0 while nothing was seen (acc and l are 0 anyway).
    let alpha = select(vec4f(0.0), exp(m - mNew), m > vec4f(NEG_BIG));
    var pr = array<vec4f, KB>();
    for (var jj: u32 = 0u; jj < KB; jj++) {
      pr[jj] = select(vec4f(0.0), exp(s[jj] - mNew), vis[jj]);
    }
    l = l * alpha + (pr[0] + pr[1]) + (pr[2] + pr[3]);
    m = mNew;

    // Value rows past kEnd are not read: a zero p times stale memory could still be NaN.
    let nKeys = u32(min(i32(KB), kEnd - j0));
    for (var c: u32 = 0u; c < D4; c++) {
      var vv = array<vec4f, KB>();
      for (var jj: u32 = 0u; jj < nKeys; jj++) {
        vv[jj] = loadV(kvBase + (u32(j0) + jj) * D, c);
      }
      for (var r: u32 = 0u; r < ROWS; r++) {
        acc[r][c] = acc[r][c] * alpha[r] + pr[0][r] * vv[0] + pr[1][r] * vv[1] + pr[2][r] * vv[2] + pr[3][r] * vv[3];
      }
    }
  }

  for (var r: u32 = 0u; r < nRows; r++) {
    let row = bh * p.T + i0 + r;
    if (l[r] > 0.0) {
      let inv = 1.0 / l[r];
      for (var c: u32 = 0u; c < D4; c++) {
        storeOut(row * D, c, acc[r][c] * inv);
      }
      lse[row] = m[r] + log(l[r]);
    } else {
      for (var c: u32 = 0u; c < D4; c++) {
        storeOut(row * D, c, vec4f(0.0));
      }
      // -inf, the log of an empty sum. Built at run time: WGSL rejects an infinite constant expression.
      var negInfBits: u32 = 0xff800000u;
      lse[row] = bitcast<f32>(negInfBits);
    }
  }
}
