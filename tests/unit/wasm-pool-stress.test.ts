// The pool's protocol under stress: thousands of small ops, queued four at a time, alternating shared-chunk ops
// (matmul by rows and by columns, softmax) with fixed-share ones (attention), on 2, 4 and 8 threads with the pool
// forced on for every size, with the pool's warm (an op with no calls) queued among them now and then. On a
// 2-core machine most workers wake after their op has ended, so this runs the late-worker path (stale tags, the
// other slot) over and over. Every output must equal one thread's bit for bit
// (a chunk is computed by the same code whichever thread takes it), except a batched matmul whose M is not a
// multiple of 4: there the chunks' edges move which rows go through the 4-row kernel, so it is held to
// 1e-5 + 1e-5·|x| of one thread's (every float written: the outputs start as NaN).

import { afterAll, describe, expect, test } from "vitest";
import { Rng } from "../../src/util/rng";
import {
  createWasmContext,
  type WasmBuffer,
  type WasmContext,
  wasmAttention,
  wasmMatmul,
  wasmSoftmax,
} from "../../src/wasm";

const opened: WasmContext[] = [];
afterAll(() => {
  for (const c of opened) c.dispose();
});

async function open(threads: number): Promise<WasmContext> {
  const c = await createWasmContext({ threads, cutover: { flops: 0, rowElements: 0 } });
  opened.push(c);
  if (c.threads !== threads) throw new Error(`asked for ${threads} threads, got ${c.threads}: ${c.reason}`);
  return c;
}

type Op = (ctx: WasmContext, input: WasmBuffer, out: WasmBuffer) => Promise<void>;

/** A random op reading `input` (IN floats) and writing `out` (OUT floats). */
const IN = 6 * 96 * 96;
const OUT = 4 * 96 * 96;
function randomOp(r: Rng): { name: string; run: Op; exact: boolean } {
  const pick = Math.floor(r.uniform(0, 4));
  const n = (lo: number, hi: number) => lo + Math.floor(r.uniform(0, hi - lo + 1));
  if (pick === 0) {
    const [M, K, N, batch] = [n(1, 96), n(1, 96), n(1, 96), n(1, 3)];
    const shape = { batch, M, K, N, strideA: M * K, strideB: K * N };
    return {
      name: `matmul ${batch}x${M}x${K}x${N}`,
      run: (c, x, y) => wasmMatmul(c, x, x, y, shape),
      exact: batch === 1 || M % 4 === 0,
    };
  }
  if (pick === 1) {
    // One entry with a short K: the column path.
    const [M, K, N] = [n(1, 24), n(1, 32), n(8, 400)];
    const shape = { batch: 1, M, K, N, strideA: 0, strideB: 0 };
    return {
      name: `matmul cols ${M}x${K}x${N}`,
      run: (c, x, y) => wasmMatmul(c, x, x, y, shape),
      exact: true,
    };
  }
  if (pick === 2) {
    const [rows, cols] = [n(1, 200), n(1, 120)];
    return {
      name: `softmax ${rows}x${cols}`,
      run: (c, x, y) => wasmSoftmax(c, x, y, rows, cols),
      exact: true,
    };
  }
  const [BH, T, S, d] = [n(1, 4), n(1, 40), n(1, 40), n(1, 16)];
  const causal = T === S && r.uniform(0, 1) < 0.5;
  const s = { BH, T, S, d, scale: 0.3, causal };
  return {
    name: `attention ${BH}x${T}x${S}x${d}${causal ? " causal" : ""}`,
    exact: true,
    run: (c, x, y) => {
      const sub = (off: number, len: number) => ({ ptr: x.ptr + off * 4, length: len }) as WasmBuffer;
      const out = { ptr: y.ptr, length: BH * T * d } as WasmBuffer;
      const lse = { ptr: y.ptr + BH * T * d * 4, length: BH * T } as WasmBuffer;
      return wasmAttention(
        c,
        { q: sub(0, BH * T * d), k: sub(8192, BH * S * d), v: sub(16384, BH * S * d), out, lse },
        s,
      );
    },
  };
}

/** Four buffers of inputs and outputs per context, so four ops can be queued at once. */
function buffers(c: WasmContext, data: Float32Array) {
  return Array.from({ length: 4 }, () => {
    const x = c.arena.alloc(IN);
    c.arena.view(x).set(data);
    return { x, y: c.arena.alloc(OUT) };
  });
}

describe("the worker pool under stress", () => {
  for (const threads of [2, 4, 8]) {
    test(`${threads} threads: 1,200 interleaved ops, each equal to one thread's`, async () => {
      const one = await createWasmContext({ threads: 1 });
      opened.push(one);
      const many = await open(threads);
      const r = new Rng(threads);
      const data = Float32Array.from({ length: IN }, () => r.uniform(-2, 2));
      const bufOne = buffers(one, data);
      const bufMany = buffers(many, data);
      for (let round = 0; round < 300; round++) {
        const ops = Array.from({ length: 4 }, () => randomOp(r));
        for (const b of [...bufOne, ...bufMany]) {
          const ctx = bufOne.includes(b) ? one : many;
          ctx.arena.view(b.y).fill(Number.NaN);
        }
        await Promise.all(ops.map((op, i) => op.run(one, bufOne[i]!.x, bufOne[i]!.y)));
        // A warm (no calls; the workers then spin longer for the next op) queued among the ops now and then.
        const warmAt = r.uniform(0, 1) < 0.5 ? Math.floor(r.uniform(0, 5)) : -1;
        await Promise.all(
          ops.flatMap((op, i) => [
            ...(i === warmAt ? [many.pool!.warm()] : []),
            op.run(many, bufMany[i]!.x, bufMany[i]!.y),
          ]),
        );
        if (warmAt === 4) await many.pool!.warm();
        ops.forEach((op, i) => {
          const want = Float32Array.from(one.arena.view(bufOne[i]!.y));
          const got = Float32Array.from(many.arena.view(bufMany[i]!.y));
          const wantBits = new Uint32Array(want.buffer);
          const gotBits = new Uint32Array(got.buffer);
          for (let j = 0; j < want.length; j++) {
            const same = op.exact
              ? wantBits[j] === gotBits[j]
              : Object.is(want[j], got[j]) ||
                Math.abs(got[j]! - want[j]!) <= 1e-5 + 1e-5 * Math.abs(want[j]!);
            if (!same)
              throw new Error(`round ${round}, ${op.name}: float ${j} is ${got[j]}, one thread's ${want[j]}`);
          }
        });
      }
      expect(many.pool!.broken).toBeNull();
    }, 120_000);
  }
});
