// float-bits: tests on f32 values made on their bits. WGSL lets a compiler assume floats are finite, so it may
// fold `x != x` or a comparison with an infinity away; a test on the exponent bits stays.

const NEG_INF_BITS: u32 = 0xff800000u;
const LOWEST_F32: f32 = bitcast<f32>(0xff7fffffu); // the most negative finite f32

// False for NaN and ±Infinity: exactly the values with every exponent bit set.
fn is_finite_bits(bits: u32) -> bool {
  return (bits & 0x7f800000u) != 0x7f800000u;
}

// +0 or -0 (false for NaN, which a float comparison with 0 might not say).
fn is_zero(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) == 0u;
}

fn is_neg_inf(v: f32) -> bool {
  return bitcast<u32>(v) == NEG_INF_BITS;
}

// NaN or +Infinity: the values that poison a softmax row (-Infinity is an excluded entry instead).
fn poisons(v: f32) -> bool {
  return !is_finite_bits(bitcast<u32>(v)) && !is_neg_inf(v);
}

// The index an f32 holds (read as its bits) when it is an integer in [0, n), else n: negative, fractional, too
// large, NaN and ±Infinity all give n.
fn index_from_bits(bits: u32, n: u32) -> u32 {
  if (!is_finite_bits(bits)) {
    return n;
  }
  let f = bitcast<f32>(bits);
  if (f < 0.0 || f >= 4294967040.0) {
    return n; // outside u32 (the largest f32 below 2^32 is 4294967040)
  }
  let u = u32(f);
  if (f32(u) != f || u >= n) {
    return n;
  }
  return u;
}
