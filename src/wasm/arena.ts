// A first-fit allocator over the module's linear memory: tensors live in wasm memory as (ptr, length) blocks
// aligned to 16 bytes (one v128). Freed blocks merge with their neighbours; the memory grows when no free block
// fits. Growth replaces memory.buffer, so typed views must be taken after the last allocation (see `view`).

import { HEAP_BASE, MAX_PAGES } from "./module";

const ALIGN = 16;
const PAGE = 65536;

/** A block of f32 values in wasm memory. */
export interface WasmBuffer {
  /** Byte address, a multiple of 16. */
  readonly ptr: number;
  /** Number of f32 values. */
  readonly length: number;
}

export class ArenaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArenaError";
  }
}

export class Arena {
  /** Free blocks [start, end) in bytes, sorted by start, never adjacent (merged). */
  private free: { start: number; end: number }[] = [];
  /** Live blocks: start → byte size. */
  private readonly live = new Map<number, number>();
  private top: number;

  constructor(private readonly memory: WebAssembly.Memory) {
    this.top = HEAP_BASE;
  }

  /** Bytes handed out and not yet freed. */
  get bytesInUse(): number {
    let n = 0;
    for (const s of this.live.values()) n += s;
    return n;
  }

  alloc(length: number): WasmBuffer {
    if (!Number.isSafeInteger(length) || length < 0)
      throw new ArenaError(`alloc: length must be an integer >= 0, got ${length}`);
    const bytes = Math.max(ALIGN, Math.ceil((length * 4) / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i]!;
      if (f.end - f.start >= bytes) {
        const ptr = f.start;
        f.start += bytes;
        if (f.start === f.end) this.free.splice(i, 1);
        this.live.set(ptr, bytes);
        return { ptr, length };
      }
    }
    // Take from the top, growing the memory when needed; a free block touching the top is used first.
    const last = this.free[this.free.length - 1];
    let ptr = this.top;
    if (last && last.end === this.top) {
      ptr = last.start;
      this.free.pop();
    }
    const end = ptr + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      const now = have / PAGE;
      if (now + pages > MAX_PAGES)
        throw new ArenaError(`alloc: ${bytes} bytes do not fit in the ${MAX_PAGES * 64} KiB wasm memory`);
      // Grow by at least half again, so a sequence of allocations grows rarely.
      this.memory.grow(Math.min(MAX_PAGES - now, Math.max(pages, Math.ceil(now / 2))));
    }
    this.top = end;
    this.live.set(ptr, bytes);
    return { ptr, length };
  }

  release(buf: WasmBuffer): void {
    const bytes = this.live.get(buf.ptr);
    if (bytes === undefined) throw new ArenaError(`free: no live block at ${buf.ptr} (freed twice?)`);
    this.live.delete(buf.ptr);
    let start = buf.ptr;
    let end = start + bytes;
    // Insert sorted, merging with the neighbours.
    let i = 0;
    while (i < this.free.length && this.free[i]!.start < start) i++;
    const prev = this.free[i - 1];
    const next = this.free[i];
    if (next && next.start === end) {
      end = next.end;
      this.free.splice(i, 1);
    }
    if (prev && prev.end === start) {
      start = prev.start;
      prev.end = end;
    } else {
      this.free.splice(i, 0, { start, end });
    }
  }

  /** A Float32Array over the block; valid until the memory next grows (the next alloc). */
  view(buf: WasmBuffer): Float32Array {
    return new Float32Array(this.memory.buffer, buf.ptr, buf.length);
  }
}
