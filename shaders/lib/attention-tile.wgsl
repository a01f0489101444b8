// attention-tile: what the streaming attention kernels (attention-fused, attention-backward-dq,
// attention-backward-dkdv) share. Each holds a tile of 4 rows of one (batch, head) in registers, with the head
// dimension in chunks of 4 (c = 0..D4-1), and streams over the other side's rows 8 at a time. q, k, v and dout
// are [rows, D] tensors read as vec4s; the helpers below load chunk c of a row starting at element `row`.

const MAX_D4: u32 = 32u; // head size limit: D <= 128 (ATTENTION_FUSED_MAX_D in src/kernels/attention/shape.ts)
const NEG_BIG: f32 = -3.0e38; // the running max's start and the score of a masked key: finite, unlike -inf

override D: u32 = 64u; // head size
override CAUSAL: bool = false;
override D4: u32 = (D + 3u) / 4u;

const TILE: u32 = 4u; // rows a tile holds: the columns of its mat4x4f registers

struct AttentionParams {
  BH: u32,
  T: u32,
  S: u32,
  groups: u32, // tiles per (batch, head): ceil(T / TILE) over queries, ceil(S / TILE) over keys (dk, dv)
  scale: f32,
}

// The tile one invocation owns: TILE consecutive rows of one (batch, head), out of `rows` (T over queries, S over
// keys). `count` is how many of its rows exist (1..TILE), 0 for an invocation past the last tile.
struct Tile {
  bh: u32,
  first: u32,
  count: u32,
}

// The tile of invocation `idx` (its index in the folded 1-D launch, lib/grid.wgsl).
fn tile_at(idx: u32, params: AttentionParams, rows: u32) -> Tile {
  if (idx >= params.BH * params.groups) {
    return Tile(0u, 0u, 0u);
  }
  let first = (idx % params.groups) * TILE;
  return Tile(idx / params.groups, first, min(TILE, rows - first));
}

// Elements e..e+3 (e = row start + 4c, not 4-aligned when D % 4 != 0) from the vec4s a = [4⌊e/4⌋, ..+3] and
// b = the next, with components past the row's end (4c + t >= D) zeroed. Only elements of the row itself
// are kept, so neither a neighbour's data nor stale memory past the tensor (b may lie past it) gets through.
// Selects rather than a switch: inlined at every load site, a switch made SwiftShader's pipeline compilation
// take minutes (and lose the device) for D % 4 != 0, while selects compile in about a second.
fn straddle(a: vec4f, b: vec4f, e: u32, c: u32) -> vec4f {
  let o = e % 4u;
  var x = select(a, vec4f(a.yzw, b.x), o == 1u);
  x = select(x, vec4f(a.zw, b.xy), o == 2u);
  x = select(x, vec4f(a.w, b.xyz), o == 3u);
  return select(vec4f(0.0), x, vec4u(0u, 1u, 2u, 3u) < vec4u(D - 4u * c));
}

// Chunk c of the row starting at element `row` of buf. With D % 4 == 0 (a pipeline constant) it is one aligned
// vec4 load.
fn load_chunk(buf: ptr<storage, array<vec4f>, read>, row: u32, c: u32) -> vec4f {
  let e = row + 4u * c;
  if (D % 4u == 0u) {
    return (*buf)[e / 4u];
  }
  return straddle((*buf)[e / 4u], (*buf)[e / 4u + 1u], e, c);
}

// Chunk c of the 4 rows starting at rows.x .. rows.w, as the columns of a matrix.
fn chunk_cols(buf: ptr<storage, array<vec4f>, read>, rows: vec4u, c: u32) -> mat4x4f {
  return mat4x4f(
    load_chunk(buf, rows.x, c),
    load_chunk(buf, rows.y, c),
    load_chunk(buf, rows.z, c),
    load_chunk(buf, rows.w, c),
  );
}

// Column n: chunk c of row rows[n] times m, i.e. its 4 dot products with m's columns (one chunk's share of the
// scores of 4 rows against the 4 rows a tile holds in m).
fn chunk_dots(buf: ptr<storage, array<vec4f>, read>, rows: vec4u, c: u32, m: mat4x4f) -> mat4x4f {
  return mat4x4f(
    load_chunk(buf, rows.x, c) * m,
    load_chunk(buf, rows.y, c) * m,
    load_chunk(buf, rows.z, c) * m,
    load_chunk(buf, rows.w, c) * m,
  );
}

// Row offsets (in floats) of keys first..first+3, each clamped to the last key before kEnd: a clamped row is real
// data whose weights the caller masks, so nothing is read outside the keys.
fn key_rows(base: u32, first: i32, kEnd: i32) -> vec4u {
  return vec4u(base) + vec4u(min(vec4i(first) + vec4i(0, 1, 2, 3), vec4i(kEnd - 1))) * D;
}

// Whether a weight is non-zero, on its bits: a NaN weight counts (it must propagate), and the test survives a
// compiler that assumes floats are finite.
fn nonzero(w: vec4f) -> vec4<bool> {
  return (bitcast<vec4u>(w) & vec4u(0x7fffffffu)) != vec4u(0u);
}

// A score that poisons its row: NaN or +Infinity (every exponent bit set, and not -Infinity, which is a weight 0).
fn poisons4(s: vec4f) -> vec4<bool> {
  let bits = bitcast<vec4u>(s);
  return ((bits & vec4u(0x7f800000u)) == vec4u(0x7f800000u)) & (bits != vec4u(0xff800000u));
}

// Finite, on the bits.
fn finite4(s: vec4f) -> vec4<bool> {
  return (bitcast<vec4u>(s) & vec4u(0x7f800000u)) != vec4u(0x7f800000u);
}

// Σ_n cols[n]·w[n], each term dropped where its weight is exactly 0: a masked (or -Infinity-scored) key adds
// nothing, whatever its row holds (0·NaN would be NaN). The slow path of a tile with a zero weight in it.
fn weighted_cols(cols: mat4x4f, w: vec4f) -> vec4f {
  let keep = nonzero(w);
  return select(vec4f(0.0), cols[0] * w.x, keep.x) + select(vec4f(0.0), cols[1] * w.y, keep.y) +
    select(vec4f(0.0), cols[2] * w.z, keep.z) + select(vec4f(0.0), cols[3] * w.w, keep.w);
}

// True when every weight of a 4x4 tile is non-zero: the plain matrix product is then exact to use.
fn all_nonzero(w: mat4x4f) -> bool {
  return all(nonzero(w[0])) && all(nonzero(w[1])) && all(nonzero(w[2])) && all(nonzero(w[3]));
}

// A quiet NaN, built at run time (WGSL rejects a NaN constant expression).
fn make_nan() -> f32 {
  var bits: u32 = 0x7fc00000u;
  return bitcast<f32>(bits);
}
