// Sharing one op between the threads of a pool (the matmul's and the row softmax's): each thread claims chunks
// from one counter in memory until none are left, so the threads that run take the chunks of a thread the system
// leaves waiting (the pool still ends the op when every worker has reported, see src/wasm/pool.ts).

/** The next chunk index from the op's counter (atomic in the threads build; the single build has no pool). */
// @ts-ignore: decorator
@inline
export function claim(counter: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(counter, 1);
  const i = load<i32>(counter);
  store<i32>(counter, i + 1);
  return i;
}
