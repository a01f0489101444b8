// The WebGPU plumbing every kernel uses: one device, its buffer pool, pipeline cache and error sink, and a
// `dispatch` that binds buffers in declaration order (storage bindings 0..n-1, then the params uniform).

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

export class GpuRuntime {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  readonly errors = new ErrorSink();
  readonly pipelines: PipelineCache;
  /** Set once the device is lost; every later call throws a DeviceLostError carrying this reason. */
  lostReason: string | null = null;
  /** Dispatches issued so far (for "dispatches per training step" figures). */
  dispatchCount = 0;
  private uniforms: GPUBuffer[] = [];

  constructor(readonly ctx: GpuContext) {
    this.device = ctx.device;
    this.pool = new BufferPool(this.device);
    this.pipelines = new PipelineCache(this.device, this.errors);
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

  /** A pooled storage buffer holding `data` (f32). */
  upload(data: Float32Array, label: string): GPUBuffer {
    this.assertAlive();
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
    const encoder = this.device.createCommandEncoder({ label: "readback" });
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, staging.size);
    this.device.queue.submit([encoder.finish()]);
    try {
      await Promise.all([this.errors.check(), staging.mapAsync(GPUMapMode.READ)]);
    } catch (e) {
      // mapAsync may still be pending if errors.check() threw first; destroy() cancels it and frees the buffer.
      staging.destroy();
      if (this.lostReason) throw new DeviceLostError(this.lostReason);
      throw e;
    }
    const out = new Float32Array(staging.getMappedRange().slice(0, count * 4));
    staging.destroy();
    return out;
  }

  /**
   * Encode and submit one compute pass. `buffers` bind to 0..n-1 in order; `params`, when given, binds to n as
   * a uniform. Throws before encoding if the grid exceeds the device's per-dimension workgroup limit.
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
    const uniform = params ? this.acquireUniform(packParams(params)) : null;
    this.errors.scoped(this.device, kernel.name, () => {
      const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({
        binding,
        resource: { buffer },
      }));
      if (uniform) entries.push({ binding: buffers.length, resource: { buffer: uniform } });
      const bindGroup = this.device.createBindGroup({
        label: kernel.name,
        layout: pipeline.getBindGroupLayout(0),
        entries,
      });
      const encoder = this.device.createCommandEncoder({ label: kernel.name });
      const pass = encoder.beginComputePass({ label: kernel.name });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y, z);
      pass.end();
      this.device.queue.submit([encoder.finish()]);
    });
    if (uniform) this.uniforms.push(uniform);
    this.dispatchCount++;
  }

  /** Wait for queued work and throw the first kernel error recorded since the last check. */
  async sync(): Promise<void> {
    this.assertAlive();
    await this.device.queue.onSubmittedWorkDone();
    await this.errors.check();
    this.assertAlive();
  }

  private acquireUniform(data: ArrayBuffer): GPUBuffer {
    let buffer = this.uniforms.find((b) => b.size >= data.byteLength);
    if (buffer) this.uniforms.splice(this.uniforms.indexOf(buffer), 1);
    else {
      buffer = this.device.createBuffer({
        label: "params",
        size: Math.max(64, data.byteLength),
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
    }
    this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }
}
