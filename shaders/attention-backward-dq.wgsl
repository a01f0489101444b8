//! use: attention-backward-bindings, attention-tile, float-bits, grid
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
// Non-finite input: a hidden key adds nothing to a row, whatever its k, v hold, and a dead row takes nothing
// from dout (terms with a zero weight are selected, never multiplied in as 0). A row whose lse is NaN (the
// forward saw a visible NaN or +Infinity score) gets a NaN dq.
//
// Numerics: only visible keys of live rows are exponentiated, and their argument s − lse is finite and about
// <= 0. A row whose lse is -Infinity (it sees no key) is dead: it gets last = -1, so no key is visible to it,
// its lse is never used, and its dq is written as 0. Dead rows are recognised by lse's bits, since WGSL lets
// compilers assume floats are finite.
//
// Layout: q, dout, dq [BH, T, D]; k, v [BH, S, D]; lse, delta [BH, T] (row-major f32, no padding).

const WG: u32 = 64u;

// Bindings 0..5, the inputs (q, k, v, dout, lse, delta): lib/attention-backward-bindings.wgsl.
@group(0) @binding(6) var<storage, read_write> dq: array<f32>;
@group(0) @binding(7) var<uniform> p: AttentionParams; // groups = ceil(T / TILE)

fn store_dq(row: u32, c: u32, x: vec4f) {
  for (var t: u32 = 0u; t < 4u && 4u * c + t < D; t++) {
    dq[row + 4u * c + t] = x[t];
  }
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let tile = tile_at(grid_index(gid, nwg, WG), p, p.T);
  if (tile.count == 0u) {
    return;
  }
  let bh = tile.bh;
  let i0 = tile.first;
  let nRows = tile.count;
  let kvBase = bh * p.S * D;

  var qm = array<mat4x4f, MAX_D4>();
  var om = array<mat4x4f, MAX_D4>();
  var acc = array<mat4x4f, MAX_D4>();
  var lseR = vec4f(0.0); // lse of live rows, 0 for dead ones (never used there)
  var dlt = vec4f(0.0);
  // Last visible key per row (inclusive): S - 1, or i + (S - T) with the causal mask; -1 for a dead row and
  // for the rows past T (padding of the last group, never written).
  var last = vec4i(-1);
  var bad = vec4<bool>(false); // lse NaN or +Infinity (the forward saw a visible NaN): dq is NaN
  for (var r: u32 = 0u; r < nRows; r++) {
    let row = bh * p.T + i0 + r;
    let bits = lse[row];
    // -Infinity marks a fully masked row; NaN a poisoned one, whose dq is NaN and which is not computed.
    bad[r] = !is_finite_bits(bits) && bits != NEG_INF_BITS;
    if (is_finite_bits(bits)) {
      for (var c: u32 = 0u; c < D4; c++) {
        qm[c][r] = load_chunk(&q, row * D, c) * p.scale;
        om[c][r] = load_chunk(&dout, row * D, c);
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
    // Row offsets of keys j0..j0+7, clamped to the last key in range (their weights are masked below).
    let ka = key_rows(kvBase, j0, kEnd);
    let kb = key_rows(kvBase, j0 + 4, kEnd);

    // Column n: scores (s) and dout·v (dp) of key j0 + n (a) or j0 + 4 + n (b), for the 4 rows.
    var sa = mat4x4f();
    var sb = mat4x4f();
    var dpa = mat4x4f();
    var dpb = mat4x4f();
    for (var c: u32 = 0u; c < D4; c++) {
      let qc = qm[c];
      let oc = om[c];
      sa += chunk_dots(&k, ka, c, qc);
      sb += chunk_dots(&k, kb, c, qc);
      dpa += chunk_dots(&v, ka, c, oc);
      dpb += chunk_dots(&v, kb, c, oc);
    }

    // dS = P ⊙ (dP − delta). A masked weight (or a -Infinity score) is exactly 0, and so is its dS, selected
    // rather than multiplied: the hidden v row or dout behind it may hold NaN or Infinity.
    var pa = mat4x4f();
    var pb = mat4x4f();
    var dsa = mat4x4f();
    var dsb = mat4x4f();
    for (var n: i32 = 0; n < 4; n++) {
      let visA = (vec4i(j0 + n) <= last) & finite4(sa[n]);
      let visB = (vec4i(j0 + 4 + n) <= last) & finite4(sb[n]);
      pa[n] = select(vec4f(0.0), exp(select(vec4f(NEG_BIG), sa[n] - lseR, visA)), visA);
      pb[n] = select(vec4f(0.0), exp(select(vec4f(NEG_BIG), sb[n] - lseR, visB)), visB);
      dsa[n] = select(vec4f(0.0), pa[n] * (dpa[n] - dlt), nonzero(pa[n]));
      dsb[n] = select(vec4f(0.0), pb[n] * (dpb[n] - dlt), nonzero(pb[n]));
    }

    // Column r of dsaT: row r's dS over keys j0..j0+3, so (k chunks as columns) · dsaT adds Σ dS·k per row;
    // with a zero weight in the block, term by term (a hidden k row may hold NaN).
    let dsaT = transpose(dsa);
    let dsbT = transpose(dsb);
    let full = all_nonzero(pa) && all_nonzero(pb);
    for (var c: u32 = 0u; c < D4; c++) {
      let kma = chunk_cols(&k, ka, c);
      let kmb = chunk_cols(&k, kb, c);
      if (full) {
        acc[c] += kma * dsaT + kmb * dsbT;
      } else {
        acc[c] += mat4x4f(
          weighted_cols(kma, dsaT[0]) + weighted_cols(kmb, dsbT[0]),
          weighted_cols(kma, dsaT[1]) + weighted_cols(kmb, dsbT[1]),
          weighted_cols(kma, dsaT[2]) + weighted_cols(kmb, dsbT[2]),
          weighted_cols(kma, dsaT[3]) + weighted_cols(kmb, dsbT[3]),
        );
      }
    }
  }

  // Every row of the group is written, dead ones as 0 (their acc never changed), poisoned ones as NaN.
  let nan = make_nan();
  for (var r: u32 = 0u; r < nRows; r++) {
    let row = bh * p.T + i0 + r;
    for (var c: u32 = 0u; c < D4; c++) {
      store_dq(row * D, c, select(acc[c][r] * p.scale, vec4f(nan), bad[r]));
    }
  }
}
