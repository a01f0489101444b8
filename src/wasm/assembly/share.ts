// Sharing one op between the threads of a pool (the matmul's and the row softmax's): each thread claims chunks
// from one claim word until none are left, so the threads that run take the chunks of a thread the system keeps
// waiting, and the op ends when every chunk is finished, not when every thread has looked (src/wasm/pool.ts).
//
// The claim block at `ctl` (8-byte aligned): i64 [0] the op's tag (high 32 bits) and the next chunk (low 32);
// i32 [2] chunks finished. A thread that wakes after its op has ended holds an old tag: its claims fail, so it
// touches nothing of the op that now uses the block.

/** The next chunk index of the op tagged `tag`, or −1 when the block belongs to another op. */
export function claim(ctl: usize, tag: i32): i32 {
  if (ASC_FEATURE_THREADS) {
    let v = atomic.load<i64>(ctl);
    for (;;) {
      if (<i32>(v >> 32) != tag) return -1;
      const seen = atomic.cmpxchg<i64>(ctl, v, v + 1);
      if (seen == v) return <i32>v;
      v = seen;
    }
  }
  const v = load<i64>(ctl);
  if (<i32>(v >> 32) != tag) return -1;
  store<i64>(ctl, v + 1);
  return <i32>v;
}

/** Count one claimed chunk as finished (the pool waits for the op's count). */
// @ts-ignore: decorator
@inline
export function finished(ctl: usize): void {
  if (ASC_FEATURE_THREADS) atomic.add<i32>(ctl + 8, 1);
  else store<i32>(ctl + 8, load<i32>(ctl + 8) + 1);
}
