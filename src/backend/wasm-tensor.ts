// A tensor whose values live in the WebAssembly engine's linear memory (a block of the arena, src/wasm/arena.ts).
// Reshapes share the block: it goes back to the arena when the last tensor using it is disposed, through the
// backend's queue, so an op still queued never reads a block that was handed out again.

import { type Shape, sizeOf } from "../kernels/validate";
import type { WasmBuffer } from "../wasm";
import type { Tensor } from "./contract";

interface Block {
  buf: WasmBuffer;
  refs: number;
}

/** What a tensor needs from its backend: where to return its block. */
export interface WasmOwner {
  releaseBlock(buf: WasmBuffer): void;
}

export class WasmTensor implements Tensor {
  readonly backend = "wasm" as const;
  readonly size: number;
  private block: Block | null;
  /** The block as ops take it, made once (ops read it many times per step). */
  private readonly span: WasmBuffer;

  constructor(
    readonly owner: WasmOwner,
    readonly shape: Shape,
    buf: WasmBuffer | Block,
  ) {
    this.size = sizeOf(shape);
    if ("refs" in buf) {
      buf.refs++;
      this.block = buf;
    } else {
      this.block = { buf, refs: 1 };
    }
    this.span = { ptr: this.block.buf.ptr, length: this.size };
  }

  /** The block as the engine's ops take it: its address and this tensor's element count. */
  get buf(): WasmBuffer {
    if (!this.block) throw new Error(`tensor of shape [${this.shape.join(", ")}] was used after dispose()`);
    return this.span;
  }

  /** Byte address (for aliasing checks). */
  get ptr(): number {
    return this.buf.ptr;
  }

  get disposed(): boolean {
    return this.block === null;
  }

  /** A tensor of another shape over the same block. */
  view(shape: Shape): WasmTensor {
    if (!this.block) throw new Error("reshape of a disposed tensor");
    return new WasmTensor(this.owner, shape, this.block);
  }

  dispose(): void {
    const b = this.block;
    if (!b) return;
    this.block = null;
    if (--b.refs === 0) this.owner.releaseBlock(b.buf);
  }
}
