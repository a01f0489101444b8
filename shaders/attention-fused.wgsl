//! use: attention-tile, grid
// attention, fused: out = softmax(scale·Q·Kᵀ + causal mask)·V and lse = log Σⱼ exp(sᵢⱼ) in one pass.
//
// One invocation owns a tile (lib/attention-tile.wgsl) of 4 consecutive query rows of one (batch, head): the
// columns of qm and acc, the components of m, l, s, p. It keeps those q rows (times scale) and their output
// accumulators in private arrays, then streams over the keys 8 at a time with an online softmax:
// per row a running max m and a running sum l of exp(s - m); each block rescales the accumulator and l by
// exp(m_old - m_new) (1 when the max did not move). Every k and v chunk loaded serves all 4 rows, and the T×S
// score matrix never exists in memory. No workgroup memory and no barriers: barriers dominate on software
// adapters, and neighbouring invocations (neighbouring row groups) read the same k/v rows at the same time,
// which caches serve well on hardware.
//
// Data layout in registers: head dimension chunks of 4 (c = 0..D4-1), and the 4 rows as the columns of a
// mat4x4f, so that the arithmetic is 4x4 matrix products:
//   qm[c]  column r = q[i0 + r][4c..4c+3] · scale      scores of key j:  s_j += k_j[4c..4c+3] · qm[c]
//   acc[c] column r = Σ_j p_rj · v_j[4c..4c+3]          update:  acc[c] += (v chunks as columns) · pᵀ
//
// Non-finite input: a key the mask hides adds nothing to a row, whatever its k and v rows hold (weights are
// selected, never multiplied in as 0 where a block holds a zero weight). A visible key with a score of
// -Infinity is a weight 0 like the mask; one with a NaN or +Infinity score makes the row's out and lse NaN.
//
// Numerics: masked scores are never exponentiated. The running max starts at the finite NEG_BIG (not -inf),
// and every exp() argument is finite and <= 0: p = exp(s - m_new) only for visible keys, and the rescale
// factor is taken as 0 while a row has seen no key (its acc and l are still 0). A row that sees no key
// (causal with T > S) ends with l = 0 and writes out = 0, lse = -inf.
//
// Layout: q, out [BH, T, D]; k, v [BH, S, D]; lse [BH, T] (row-major f32, no padding). q, k and v are read as
// vec4s; D is an override (one pipeline per head size), at most 4·MAX_D4. When D is not a multiple of 4 a
// row's chunk straddles two vec4s and its components past D are zeroed.

const WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> q: array<vec4f>;
@group(0) @binding(1) var<storage, read> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> v: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;
@group(0) @binding(5) var<uniform> p: AttentionParams; // groups = ceil(T / TILE)

fn store_out(row: u32, c: u32, x: vec4f) {
  for (var t: u32 = 0u; t < 4u && 4u * c + t < D; t++) {
    out[row + 4u * c + t] = x[t];
  }
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // The grid may be 2-D when BH·groups exceeds one dimension's workgroup limit.
  let tile = tile_at(grid_index(gid, nwg, WG), p, p.T);
  if (tile.count == 0u) {
    return;
  }
  let i0 = tile.first;
  let nRows = tile.count;
  let qBase = tile.bh * p.T * D;
  let kvBase = tile.bh * p.S * D;

  // Last visible key per row (inclusive): S - 1, or i + (S - T) with the causal mask. Rows past T get the
  // last real row's limit; they are computed on zeros and never written.
  let rowIdx = vec4i(i32(i0)) + vec4i(0, 1, 2, 3);
  var last = vec4i(i32(p.S) - 1);
  if (CAUSAL) {
    last = min(last, min(rowIdx, vec4i(i32(i0 + nRows) - 1)) + vec4i(i32(p.S) - i32(p.T)));
  }
  // Keys past the largest limit are masked for every row: stop there.
  let kEnd = max(max(last.x, last.y), max(last.z, last.w)) + 1;

  var qm = array<mat4x4f, MAX_D4>();
  var acc = array<mat4x4f, MAX_D4>();
  for (var r: u32 = 0u; r < nRows; r++) {
    for (var c: u32 = 0u; c < D4; c++) {
      qm[c][r] = load_chunk(&q, qBase + (i0 + r) * D, c) * p.scale;
    }
  }
  var m = vec4f(NEG_BIG); // running max per row
  var l = vec4f(0.0); // running sum of exp(s - m) per row
  var bad = vec4<bool>(false); // a visible score was NaN or +Infinity: the row's out and lse are NaN

  for (var j0: i32 = 0; j0 < kEnd; j0 += 8) {
    // Row offsets of keys j0..j0+7, clamped to the last key in range (their weights are masked below).
    let ka = key_rows(kvBase, j0, kEnd);
    let kb = key_rows(kvBase, j0 + 4, kEnd);

    // sa column n: scores of key j0 + n for the 4 rows; sb: keys j0 + 4 + n.
    var sa = mat4x4f();
    var sb = mat4x4f();
    for (var c: u32 = 0u; c < D4; c++) {
      let qc = qm[c];
      sa += chunk_dots(&k, ka, c, qc);
      sb += chunk_dots(&k, kb, c, qc);
    }

    // A key counts for a row when the mask lets the row see it and its score is finite. A -Infinity score is a
    // weight 0, like the mask; NaN or +Infinity poisons the row (and is kept out of m, l and acc meanwhile).
    var keepA = array<vec4<bool>, 4>();
    var keepB = array<vec4<bool>, 4>();
    var mNew = m;
    for (var n: i32 = 0; n < 4; n++) {
      let inA = vec4i(j0 + n) <= last;
      let inB = vec4i(j0 + 4 + n) <= last;
      bad = bad | (inA & poisons4(sa[n])) | (inB & poisons4(sb[n]));
      keepA[n] = inA & finite4(sa[n]);
      keepB[n] = inB & finite4(sb[n]);
      sa[n] = select(vec4f(NEG_BIG), sa[n], keepA[n]);
      sb[n] = select(vec4f(NEG_BIG), sb[n], keepB[n]);
      mNew = max(mNew, max(sa[n], sb[n]));
    }
    // exp(m - mNew) is 1 when the max did not move; 0 while nothing was seen (acc and l are 0 anyway).
    let alpha = select(vec4f(0.0), exp(m - mNew), m > vec4f(NEG_BIG));
    var pa = mat4x4f();
    var pb = mat4x4f();
    for (var n: i32 = 0; n < 4; n++) {
      pa[n] = select(vec4f(0.0), exp(sa[n] - mNew), keepA[n]);
      pb[n] = select(vec4f(0.0), exp(sb[n] - mNew), keepB[n]);
    }
    l = l * alpha + (pa[0] + pa[1] + pa[2] + pa[3]) + (pb[0] + pb[1] + pb[2] + pb[3]);
    m = mNew;

    // Column r of paT: row r's weights of keys j0..j0+3, so (v chunks as columns) · paT adds Σ p·v per row.
    // With a zero weight in the block (the mask's diagonal, the ragged end, an underflow), each term is
    // selected instead: a hidden value row holding NaN or Infinity must add nothing.
    let paT = transpose(pa);
    let pbT = transpose(pb);
    let full = all_nonzero(pa) && all_nonzero(pb);
    for (var c: u32 = 0u; c < D4; c++) {
      let va = chunk_cols(&v, ka, c);
      let vb = chunk_cols(&v, kb, c);
      let a = acc[c];
      let scaled = mat4x4f(a[0] * alpha.x, a[1] * alpha.y, a[2] * alpha.z, a[3] * alpha.w);
      if (full) {
        acc[c] = scaled + va * paT + vb * pbT;
      } else {
        acc[c] = scaled + mat4x4f(
          weighted_cols(va, paT[0]) + weighted_cols(vb, pbT[0]),
          weighted_cols(va, paT[1]) + weighted_cols(vb, pbT[1]),
          weighted_cols(va, paT[2]) + weighted_cols(vb, pbT[2]),
          weighted_cols(va, paT[3]) + weighted_cols(vb, pbT[3]),
        );
      }
    }
  }

  for (var r: u32 = 0u; r < nRows; r++) {
    let row = tile.bh * p.T + i0 + r;
    if (bad[r]) {
      let nan = make_nan();
      for (var c: u32 = 0u; c < D4; c++) {
        store_out(row * D, c, vec4f(nan));
      }
      lse[row] = nan;
    } else if (l[r] > 0.0) {
      let inv = 1.0 / l[r];
      for (var c: u32 = 0u; c < D4; c++) {
        store_out(row * D, c, acc[c][r] * inv);
      }
      lse[row] = m[r] + log(l[r]);
    } else {
      for (var c: u32 = 0u; c < D4; c++) {
        store_out(row * D, c, vec4f(0.0));
      }
      // -inf, the log of an empty sum. Built at run time: WGSL rejects an infinite constant expression.
      var negInfBits: u32 = 0xff800000u;
      lse[row] = bitcast<f32>(negInfBits);
    }
  }
}
