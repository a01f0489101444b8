// The WebGPU plumbing every kernel uses: one device, its buffer pool, pipeline cache and error sink, and a
// `dispatch` that binds buffers in declaration order (storage bindings 0..n-1, then the params uniform).
//
// Dispatches are batched: each is a labelled compute pass in one open command encoder, and its params go to a
// slot of a shared uniform buffer; `flush()` writes the params and submits the batch. A submit per dispatch cost
// most of the time of a small training step (queue submission crosses to the GPU process). Ordering stays
// program order because everything that writes through the queue (`upload`, `write`) flushes first, and reads
// and copies are encoded into the same batch.

import { BufferPool } from "./buffers";
import { acquireGpu, type GpuContext } from "./device";
import { DeviceLostError, ErrorSink, KernelError } from "./errors";
import { type Constants, type KernelSource, PipelineCache } from "./pipelines";

/** A params field: a plain number is written as u32, `{ f32 }` as f32, `{ i32 }` as i32. */
export type Param = number | { f32: number } | { i32: number };

export function packParams(fields: readonly Param[]): ArrayBuffer {
  const bytes = Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
  const buf = new ArrayBuffer(bytes);
  const view = new DataView(buf);
  fields.forEach((f, i) => {
    if (typeof f === "number") view.setUint32(i * 4, f, true);
    else if ("f32" in f) view.setFloat32(i * 4, f.f32, true);
    else view.setInt32(i * 4, f.i32, true);
  });
  return buf;
}

/** How long a failed GPU call waits for `device.lost` before deciding the failure was not a lost device. */
const LOST_GRACE_MS = 1000;

/** A GPU wait (a readback, `sync`) that did not finish within its deadline: the GPU stalled or hung. */
export class GpuTimeoutError extends Error {
  override name = "GpuTimeoutError";
}

/** Dispatches per submitted batch at most (and uniform slots in the shared params buffer). */
const MAX_BATCH = 128;

export class GpuRuntime {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  readonly errors = new ErrorSink();
  readonly pipelines: PipelineCache;
  /** Set once the device is lost; every later call throws a DeviceLostError carrying this reason. */
  lostReason: string | null = null;
  /** Milliseconds any single wait on the GPU may take before it fails with a GpuTimeoutError. */
  deadlineMs = 120_000;
  /** Compute passes encoded so far (for "dispatches per training step" figures). */
  dispatchCount = 0;
  /** Compute passes encoded and not yet submitted. */
  private encoder: GPUCommandEncoder | null = null;
  private batchKernels: string[] = [];
  private readonly uniformBuffer: GPUBuffer;
  private readonly uniformStaging: Uint8Array<ArrayBuffer>;
  private uniformSlots = 0;
  private readonly slotBytes: number;

  constructor(readonly ctx: GpuContext) {
    this.device = ctx.device;
    this.pool = new BufferPool(this.device, this.errors);
    this.pipelines = new PipelineCache(this.device, this.errors);
    this.slotBytes = Math.max(256, this.device.limits.minUniformBufferOffsetAlignment);
    this.uniformBuffer = this.device.createBuffer({
      label: "params (batched)",
      size: this.slotBytes * MAX_BATCH,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.uniformStaging = new Uint8Array(this.slotBytes * MAX_BATCH);
    ctx.lost.then((info) => {
      this.lostReason = `GPU device lost (${info.reason}): ${info.message || "no message"}`;
    });
  }

  static async create(): Promise<GpuRuntime> {
    return new GpuRuntime(await acquireGpu());
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  assertAlive(): void {
    if (this.lostReason) throw new DeviceLostError(this.lostReason);
  }

  /**
   * What a failed GPU call really means. After `device.destroy()` or a GPU-process crash the failure (mapAsync's
   * AbortError "unmapped before mapping was resolved", an OperationError) may arrive before `device.lost` has
   * resolved: wait briefly for it, so a lost device always surfaces as a DeviceLostError, whatever came first.
   */
  async explain(e: unknown): Promise<unknown> {
    if (e instanceof DeviceLostError) return e;
    // A kernel's validation error is reported by an error scope, which a lost device never fills.
    if (e instanceof KernelError && !this.lostReason) return e;
    if (!this.lostReason) {
      await Promise.race([this.ctx.lost, new Promise((r) => setTimeout(r, LOST_GRACE_MS))]);
      // Let the `lost` handler set the reason if it was the one that settled.
      await Promise.resolve();
    }
    return this.lostReason ? new DeviceLostError(this.lostReason) : e;
  }

  /** `p`, or a GpuTimeoutError (or the DeviceLostError) when it takes longer than the deadline. */
  private async withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new GpuTimeoutError(
              `the GPU did not finish ${what} within ${this.deadlineMs / 1000} s: it stalled or hung`,
            ),
          ),
        this.deadlineMs,
      );
    });
    try {
      return await Promise.race([p, timeout]);
    } catch (e) {
      throw await this.explain(e);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A pooled storage buffer holding `data` (f32); refused before anything is created past the pool's limit. */
  upload(data: Float32Array, label: string): GPUBuffer {
    this.assertAlive();
    if (data.byteLength > this.pool.limit) {
      throw new KernelError(
        label,
        `an upload of ${data.byteLength} bytes exceeds the device's buffer limit (${this.pool.limit} bytes, min of maxStorageBufferBindingSize and maxBufferSize); nothing was allocated`,
      );
    }
    // The buffer may come back from the pool while queued passes still read its old contents: submit them first.
    this.flush();
    const buffer = this.pool.acquire(data.byteLength, label);
    if (data.byteLength > 0)
      this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return buffer;
  }

  /** Copy the first `count` floats of a buffer back to the CPU. Also surfaces pending kernel errors. */
  async read(buffer: GPUBuffer, count: number): Promise<Float32Array> {
    this.assertAlive();
    const bytes = Math.max(4, count * 4);
    const staging = this.device.createBuffer({
      label: `read:${buffer.label}`,
      size: Math.ceil(bytes / 4) * 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      this.batch().copyBufferToBuffer(buffer, 0, staging, 0, staging.size);
      this.flush();
      const map = staging.mapAsync(GPUMapMode.READ);
      // If errors.check() throws first, the map's own rejection must not go unhandled.
      map.catch(() => {});
      await this.withDeadline(Promise.all([this.errors.check(), map]), `reading back '${buffer.label}'`);
      return new Float32Array(staging.getMappedRange().slice(0, count * 4));
    } catch (e) {
      throw await this.explain(e);
    } finally {
      // Cancels a map still pending and frees the buffer.
      staging.destroy();
    }
  }

  /**
   * Encode one compute pass into the open batch (submitted by `flush`, or first when the batch's uniform slots
   * are full). `buffers` bind to 0..n-1 in order; `params`, when given, binds to n as a uniform. Throws before
   * encoding if the grid exceeds the device's per-dimension workgroup limit; encodes nothing (and counts no
   * dispatch) when a grid dimension is 0.
   */
  dispatch(
    kernel: KernelSource,
    constants: Constants,
    buffers: readonly GPUBuffer[],
    params: readonly Param[] | null,
    workgroups: readonly [number, number?, number?],
  ): void {
    this.assertAlive();
    const [x, y = 1, z = 1] = workgroups;
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) {
      throw new KernelError(
        kernel.name,
        `grid ${x}x${y}x${z} exceeds maxComputeWorkgroupsPerDimension (${max}); the shape is too large for this kernel`,
      );
    }
    if (x === 0 || y === 0 || z === 0) return;
    const pipeline = this.pipelines.get(kernel, constants);
    if (this.uniformSlots === MAX_BATCH) this.flush();
    const slot = params ? this.stageParams(params) : -1;
    this.errors.scoped(this.device, kernel.name, () => {
      const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({
        binding,
        resource: { buffer },
      }));
      if (slot >= 0) {
        entries.push({
          binding: buffers.length,
          resource: { buffer: this.uniformBuffer, offset: slot * this.slotBytes, size: this.slotBytes },
        });
      }
      const bindGroup = this.device.createBindGroup({
        label: kernel.name,
        layout: pipeline.getBindGroupLayout(0),
        entries,
      });
      const pass = this.batch().beginComputePass({ label: kernel.name });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y, z);
      pass.end();
    });
    this.batchKernels.push(kernel.name);
    this.dispatchCount++;
  }

  /** Copy `bytes` bytes between buffers, in order with the queued dispatches. */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number): void {
    this.assertAlive();
    if (bytes > 0) this.batch().copyBufferToBuffer(src, 0, dst, 0, bytes);
  }

  /** Write `data` into the start of `buffer` after all queued work. */
  write(buffer: GPUBuffer, data: Float32Array): void {
    this.assertAlive();
    this.flush();
    if (data.byteLength > 0)
      this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Submit the queued passes (their params first). Encoding errors are attributed to the batch's kernels. */
  flush(): void {
    const encoder = this.encoder;
    if (!encoder) return;
    this.encoder = null;
    const kernels = [...new Set(this.batchKernels)].join(", ");
    this.batchKernels = [];
    if (this.uniformSlots > 0) {
      this.device.queue.writeBuffer(
        this.uniformBuffer,
        0,
        this.uniformStaging,
        0,
        this.uniformSlots * this.slotBytes,
      );
      this.uniformSlots = 0;
    }
    try {
      this.errors.scoped(this.device, kernels || "copy", () => this.device.queue.submit([encoder.finish()]));
    } catch (e) {
      this.assertAlive();
      throw e;
    }
  }

  /** Wait for queued work and throw the first kernel error recorded since the last check. */
  async sync(): Promise<void> {
    this.assertAlive();
    this.flush();
    await this.withDeadline(
      this.device.queue.onSubmittedWorkDone().then(() => this.errors.check()),
      "the queued work",
    );
    this.assertAlive();
  }

  private batch(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder({ label: "batch" });
    return this.encoder;
  }

  /** Put a dispatch's params into the next uniform slot; returns the slot. */
  private stageParams(params: readonly Param[]): number {
    const bytes = new Uint8Array(packParams(params));
    if (bytes.byteLength > this.slotBytes)
      throw new Error(`params of ${bytes.byteLength} bytes exceed a ${this.slotBytes}-byte slot`);
    const slot = this.uniformSlots++;
    this.uniformStaging.set(bytes, slot * this.slotBytes);
    return slot;
  }
}
