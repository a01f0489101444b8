// A pool of storage buffers in power-of-two size classes from 256 bytes (so every buffer is a whole number of
// vec4s). Released buffers are reused, so a training loop that allocates the same intermediates every step
// reaches a steady state with no new GPU allocations.
//
// Reuse is safe because GPU work runs in program order: the runtime encodes dispatches and copies in order into
// one batch, and submits that batch before anything writes through the queue (`upload`, `write`), so a buffer
// handed out again is only written after the commands that read its previous contents.

function sizeClass(bytes: number): number {
  let size = 256;
  while (size < bytes) size *= 2;
  return size;
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

  constructor(private readonly device: GPUDevice) {
    this.usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  }

  acquire(byteLength: number, label: string): GPUBuffer {
    const size = sizeClass(Math.max(4, byteLength));
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.bytesFree -= size;
      buffer.label = label;
    } else {
      buffer = this.device.createBuffer({ label, size, usage: this.usage });
      this.allocations++;
    }
    this.bytesInUse += size;
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
