// A pool of storage buffers in power-of-two size classes from 256 bytes (so every buffer is a whole number of
// vec4s). Released buffers are reused, so a training loop that allocates the same intermediates every step
// reaches a steady state with no new GPU allocations. A size whose power of two would pass the device's limit
// (the smaller of maxStorageBufferBindingSize and maxBufferSize) gets a class of its own, rounded only to 16
// bytes; a size past the limit is refused before anything is created, naming the limit. Every createBuffer
// runs in an out-of-memory error scope: a failed allocation surfaces at the next synchronisation as
// "out of GPU memory: N bytes for LABEL".
//
// Reuse is safe because GPU work runs in program order: the runtime encodes dispatches and copies in order into
// one batch, and submits that batch before anything writes through the queue (`upload`, `write`), so a buffer
// handed out again is only written after the commands that read its previous contents.

import { ErrorSink, KernelError } from "./errors";

/** The pooled size of a request: a power of two from 256 while that stays within `limit`, else `bytes` rounded up to 16. */
export function sizeClass(bytes: number, limit = Infinity): number {
  let size = 256;
  while (size < bytes) size *= 2;
  if (size <= limit) return size;
  return Math.ceil(bytes / 16) * 16;
}

/** The largest buffer the pool hands out on this device. */
export function bufferLimit(device: GPUDevice): number {
  return Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  /** Bytes handed out and not yet released. */
  bytesInUse = 0;
  /** Bytes held in the free lists. */
  bytesFree = 0;
  /** Number of `createBuffer` calls ever made (flat once a loop reaches its steady state). */
  allocations = 0;

  private readonly usage: number;
  /** The largest buffer handed out: min(maxStorageBufferBindingSize, maxBufferSize). */
  readonly limit: number;

  constructor(
    private readonly device: GPUDevice,
    private readonly errors: ErrorSink = new ErrorSink(),
  ) {
    this.usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    this.limit = bufferLimit(device);
  }

  /** A buffer of at least `byteLength` bytes for `label` (the kernel or op it is for). */
  acquire(byteLength: number, label: string): GPUBuffer {
    const bytes = Math.max(4, byteLength);
    if (bytes > this.limit) {
      const which =
        this.device.limits.maxBufferSize < this.device.limits.maxStorageBufferBindingSize
          ? "maxBufferSize"
          : "maxStorageBufferBindingSize";
      throw new KernelError(
        label,
        `${bytes} bytes exceed the device's ${which} (${this.limit} bytes); nothing was allocated`,
      );
    }
    const size = sizeClass(bytes, this.limit);
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.bytesFree -= size;
      buffer.label = label;
    } else {
      buffer = this.errors.allocation(this.device, label, size, () =>
        this.device.createBuffer({ label, size, usage: this.usage }),
      );
      this.allocations++;
    }
    this.bytesInUse += buffer.size;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    this.bytesInUse -= size;
    this.bytesFree += size;
    const list = this.free.get(size);
    if (list) list.push(buffer);
    else this.free.set(size, [buffer]);
  }

  /** Destroy every pooled (free) buffer, e.g. after a large one-off computation. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.bytesFree = 0;
  }
}
