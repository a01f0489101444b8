// The buffer pool's size rule, limit refusal and out-of-memory report, on a fake device (the real device's
// refusal at its actual limit is checked in tests/gpu/errors-page.ts).

import { beforeAll, describe, expect, test } from "vitest";
import { BufferPool, sizeClass } from "../../src/gpu/buffers";
import { ErrorSink } from "../../src/gpu/errors";

const MiB = 1 << 20;

interface FakeDevice {
  device: GPUDevice;
  created: number[];
}

/** A device whose createBuffer records sizes and fails with out-of-memory past `memory` bytes. */
function fakeDevice(
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number },
  memory = Infinity,
): FakeDevice {
  const created: number[] = [];
  let oom = false;
  const device = {
    limits,
    pushErrorScope: () => {},
    popErrorScope: () => {
      // Popped validation first, then out-of-memory (as ErrorSink does).
      const o = oom;
      return Promise.resolve(o ? ({ message: "Out of memory" } as GPUError) : null);
    },
    createBuffer: (d: GPUBufferDescriptor) => {
      created.push(d.size);
      oom = d.size > memory;
      return { size: d.size, label: d.label ?? "", destroy: () => {} } as unknown as GPUBuffer;
    },
  } as unknown as GPUDevice;
  return { device, created };
}

beforeAll(() => {
  (globalThis as Record<string, unknown>).GPUBufferUsage ??= { STORAGE: 128, COPY_SRC: 4, COPY_DST: 8 };
});

describe("buffer pool sizes", () => {
  test("powers of two from 256 while within the limit, else the size rounded to 16 bytes", () => {
    expect(sizeClass(4)).toBe(256);
    expect(sizeClass(257)).toBe(512);
    expect(sizeClass(600 * MiB, 1024 * MiB)).toBe(1024 * MiB);
    // 513 MiB would round to 1 GiB; with a limit of 1000 MiB that is too far: exact size instead.
    expect(sizeClass(513 * MiB + 3, 1000 * MiB)).toBe(Math.ceil((513 * MiB + 3) / 16) * 16);
    expect(sizeClass(1000 * MiB, 1000 * MiB)).toBe(1000 * MiB);
  });

  test("the pool never creates a buffer past the limit, and counts the real size in use", () => {
    const { device, created } = fakeDevice({
      maxStorageBufferBindingSize: 1000 * MiB,
      maxBufferSize: 2048 * MiB,
    });
    const pool = new BufferPool(device);
    const big = pool.acquire(600 * MiB, "big");
    expect(created).toEqual([600 * MiB]);
    expect(pool.bytesInUse).toBe(600 * MiB);
    pool.release(big);
    expect(pool.bytesInUse).toBe(0);
    expect(pool.bytesFree).toBe(600 * MiB);
    // Reused for the same size; a small request still takes a power of two.
    expect(pool.acquire(600 * MiB, "again")).toBe(big);
    pool.acquire(1000, "small");
    expect(created).toEqual([600 * MiB, 1024]);
  });

  test("a request past the smaller limit is refused before anything is created, naming the limit", () => {
    const { device, created } = fakeDevice({
      maxStorageBufferBindingSize: 1024 * MiB,
      maxBufferSize: 512 * MiB,
    });
    const pool = new BufferPool(device);
    expect(() => pool.acquire(512 * MiB + 4, "matmul")).toThrow(/maxBufferSize \(536870912 bytes\)/);
    expect(created).toEqual([]);
    expect(pool.bytesInUse).toBe(0);
  });

  test("a failed allocation is reported as out of GPU memory, naming bytes and label, at the next check", async () => {
    const { device } = fakeDevice(
      { maxStorageBufferBindingSize: 1024 * MiB, maxBufferSize: 1024 * MiB },
      64 * MiB,
    );
    const errors = new ErrorSink();
    const pool = new BufferPool(device, errors);
    pool.acquire(100 * MiB, "attention:scores");
    await expect(errors.check()).rejects.toThrow(
      `attention:scores: out of GPU memory: ${128 * MiB} bytes for attention:scores`,
    );
    await expect(errors.check()).resolves.toBeUndefined();
  });
});
