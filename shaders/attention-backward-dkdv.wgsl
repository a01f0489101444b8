//! use: attention-backward-bindings, attention-tile, grid
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
// Non-finite input: a (query, key) pair the mask hides adds nothing, whatever q, k, v and dout hold there
// (terms with a zero weight are selected, never multiplied in as 0); a query whose lse is NaN makes the keys it
// sees NaN. Only visible (query, key) pairs are exponentiated, with a finite argument s − lse of about <= 0.
//
// Layout: q, dout [BH, T, D]; k, v, dk, dv [BH, S, D]; lse, delta [BH, T] (row-major f32, no padding).

const WG: u32 = 64u;

// Bindings 0..5, the inputs (q, k, v, dout, lse, delta): lib/attention-backward-bindings.wgsl.
@group(0) @binding(6) var<storage, read_write> dk: array<f32>;
@group(0) @binding(7) var<storage, read_write> dv: array<f32>;
@group(0) @binding(8) var<uniform> p: AttentionParams; // groups = ceil(S / TILE)

fn store(row: u32, c: u32, x: vec4f, y: vec4f) {
  for (var t: u32 = 0u; t < 4u && 4u * c + t < D; t++) {
    dk[row + 4u * c + t] = x[t];
    dv[row + 4u * c + t] = y[t];
  }
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let tile = tile_at(grid_index(gid, nwg, WG), p, p.S);
  if (tile.count == 0u) {
    return;
  }
  let bh = tile.bh;
  let j0 = tile.first;
  let nKeys = tile.count;
  let kvBase = bh * p.S * D;

  var km = array<mat4x4f, MAX_D4>();
  var vm = array<mat4x4f, MAX_D4>();
  var dkm = array<mat4x4f, MAX_D4>();
  var dvm = array<mat4x4f, MAX_D4>();
  for (var n: u32 = 0u; n < nKeys; n++) {
    for (var c: u32 = 0u; c < D4; c++) {
      km[c][n] = load_chunk(&k, kvBase + (j0 + n) * D, c) * p.scale;
      vm[c][n] = load_chunk(&v, kvBase + (j0 + n) * D, c);
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
    // Live: in range and lse not -Infinity. A poisoned query (lse NaN or +Infinity) is live and its weights are
    // NaN, so it makes the keys it sees NaN, as on the CPU; its lse is replaced by 0 meanwhile.
    let liveA = (ia <= tl) & (bitsA != vec4u(0xff800000u));
    let liveB = (ib <= tl) & (bitsB != vec4u(0xff800000u));
    let badA = liveA & ((bitsA & vec4u(0x7f800000u)) == vec4u(0x7f800000u));
    let badB = liveB & ((bitsB & vec4u(0x7f800000u)) == vec4u(0x7f800000u));
    let lseA = select(vec4f(0.0), bitcast<vec4f>(bitsA), liveA & !badA);
    let lseB = select(vec4f(0.0), bitcast<vec4f>(bitsB), liveB & !badB);
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
      sa += chunk_dots(&q, qa, c, kc);
      sb += chunk_dots(&q, qb, c, kc);
      dpa += chunk_dots(&dout, qa, c, vc);
      dpb += chunk_dots(&dout, qb, c, vc);
    }

    // P and dS = P ⊙ (dP − delta). A masked weight (or a -Infinity score) is exactly 0, and so is its dS,
    // selected rather than multiplied: the hidden q or dout row behind it may hold NaN or Infinity.
    // first >= 0, so a query index of -1 sees no key.
    let nan = make_nan();
    var pa = mat4x4f();
    var pb = mat4x4f();
    var dsa = mat4x4f();
    var dsb = mat4x4f();
    for (var m: i32 = 0; m < 4; m++) {
      let inA = vec4i(idxA[m]) >= first;
      let inB = vec4i(idxB[m]) >= first;
      let visA = inA & finite4(sa[m]);
      let visB = inB & finite4(sb[m]);
      pa[m] = select(vec4f(0.0), exp(select(vec4f(NEG_BIG), sa[m] - lseA[m], visA)), visA);
      pb[m] = select(vec4f(0.0), exp(select(vec4f(NEG_BIG), sb[m] - lseB[m], visB)), visB);
      pa[m] = select(pa[m], vec4f(nan), inA & vec4<bool>(badA[m]));
      pb[m] = select(pb[m], vec4f(nan), inB & vec4<bool>(badB[m]));
      dsa[m] = select(vec4f(0.0), pa[m] * (dpa[m] - dA[m]), nonzero(pa[m]));
      dsb[m] = select(vec4f(0.0), pb[m] * (dpb[m] - dB[m]), nonzero(pb[m]));
    }

    // Column n of paT: key n's weights from queries i0..i0+3, so (dout chunks as columns) · paT adds Σ P·dout
    // to key n's dv chunk; the same with q chunks and dS for dk. With a zero weight in the block, term by term.
    let paT = transpose(pa);
    let pbT = transpose(pb);
    let dsaT = transpose(dsa);
    let dsbT = transpose(dsb);
    let full = all_nonzero(pa) && all_nonzero(pb);
    for (var c: u32 = 0u; c < D4; c++) {
      let qma = chunk_cols(&q, qa, c);
      let qmb = chunk_cols(&q, qb, c);
      let oma = chunk_cols(&dout, qa, c);
      let omb = chunk_cols(&dout, qb, c);
      if (full) {
        dkm[c] += qma * dsaT + qmb * dsbT;
        dvm[c] += oma * paT + omb * pbT;
      } else {
        dkm[c] += mat4x4f(
          weighted_cols(qma, dsaT[0]) + weighted_cols(qmb, dsbT[0]),
          weighted_cols(qma, dsaT[1]) + weighted_cols(qmb, dsbT[1]),
          weighted_cols(qma, dsaT[2]) + weighted_cols(qmb, dsbT[2]),
          weighted_cols(qma, dsaT[3]) + weighted_cols(qmb, dsbT[3]),
        );
        dvm[c] += mat4x4f(
          weighted_cols(oma, paT[0]) + weighted_cols(omb, pbT[0]),
          weighted_cols(oma, paT[1]) + weighted_cols(omb, pbT[1]),
          weighted_cols(oma, paT[2]) + weighted_cols(omb, pbT[2]),
          weighted_cols(oma, paT[3]) + weighted_cols(omb, pbT[3]),
        );
      }
    }
  }

  for (var n: u32 = 0u; n < nKeys; n++) {
    let row = kvBase + (j0 + n) * D;
    for (var c: u32 = 0u; c < D4; c++) {
      store(row, c, dkm[c][n] * p.scale, dvm[c][n]);
    }
  }
}
