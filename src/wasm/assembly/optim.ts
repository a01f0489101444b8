// Fused optimizer updates over one parameter tensor, in place, in f32 SIMD. `scale` is the global-norm clip
// factor the host computed from the sum of squares (1 without clipping); the host skips the call entirely when
// that sum is not finite, so parameters and state keep their exact bits.

/** m = momentum·m + scale·g + wd·p; p −= lr·m. */
export function sgdUpdate(
  p: usize,
  g: usize,
  m: usize,
  n: i32,
  lr: f32,
  momentum: f32,
  wd: f32,
  scale: f32,
): void {
  const lv = f32x4.splat(lr);
  const mv = f32x4.splat(momentum);
  const wv = f32x4.splat(wd);
  const sv = f32x4.splat(scale);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    const pv = v128.load(p + o);
    const mj = f32x4.add(
      f32x4.add(f32x4.mul(mv, v128.load(m + o)), f32x4.mul(v128.load(g + o), sv)),
      f32x4.mul(wv, pv),
    );
    v128.store(m + o, mj);
    v128.store(p + o, f32x4.sub(pv, f32x4.mul(lv, mj)));
  }
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    const pj = load<f32>(p + o);
    const mj = momentum * load<f32>(m + o) + load<f32>(g + o) * scale + wd * pj;
    store<f32>(m + o, mj);
    store<f32>(p + o, pj - lr * mj);
  }
}

/**
 * Adam/AdamW with bias correction: g ← scale·g; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 * p −= lr·(m/bc1 / (sqrt(v/bc2) + eps) + wd·p) with the parameter before the update (decoupled decay).
 */
export function adamUpdate(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  wd: f32,
  bc1: f32,
  bc2: f32,
  scale: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const c1 = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(1 - beta2);
  const ib1 = f32x4.splat(1 / bc1);
  const ib2 = f32x4.splat(1 / bc2);
  const ev = f32x4.splat(eps);
  const lv = f32x4.splat(lr);
  const wv = f32x4.splat(wd);
  const sv = f32x4.splat(scale);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    const gj = f32x4.mul(v128.load(g + o), sv);
    const mj = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, gj));
    const vj = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(gj, gj)));
    v128.store(m + o, mj);
    v128.store(v + o, vj);
    const pj = v128.load(p + o);
    const step = f32x4.add(
      f32x4.div(f32x4.mul(mj, ib1), f32x4.add(f32x4.sqrt(f32x4.mul(vj, ib2)), ev)),
      f32x4.mul(wv, pj),
    );
    v128.store(p + o, f32x4.sub(pj, f32x4.mul(lv, step)));
  }
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    const gj = load<f32>(g + o) * scale;
    const mj = beta1 * load<f32>(m + o) + (1 - beta1) * gj;
    const vj = beta2 * load<f32>(v + o) + (1 - beta2) * gj * gj;
    store<f32>(m + o, mj);
    store<f32>(v + o, vj);
    const pj = load<f32>(p + o);
    store<f32>(p + o, pj - lr * ((mj / bc1) / (Mathf.sqrt(vj / bc2) + eps) + wd * pj));
  }
}
