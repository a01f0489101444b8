// GPU time of whatever runs on a device between `begin()` and `end()`, by timestamp queries, applied the same
// way to our runtime and to tfjs: the device's createCommandEncoder is wrapped so that every compute pass
// begun while timing is on gets a pair of timestamp writes (start and end of the pass). `end()` resolves the
// pairs and returns Σ (end − begin) over the passes: kernel time, without the gaps between passes (queue
// submission, the page's JS). tfjs puts up to 15 dispatches in one pass and we put one; either way every
// dispatch is inside a timed pass.
//
// Chromium coarsens timestamps to 100 µs unless WebGPU developer features are enabled; `quantizedUs` says
// whether every timestamp seen was a multiple of 100 µs.

/** Timestamp pairs per query set: 2048 passes per timed trial at most (WebGPU allows 4096 queries). */
const PAIRS = 2048;

export class GpuTimer {
  private readonly querySet: GPUQuerySet;
  private readonly resolve: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly createEncoder: (d?: GPUCommandEncoderDescriptor) => GPUCommandEncoder;
  private active = false;
  private next = 0;
  private overflow = false;
  /** Timestamps seen so far that were not multiples of 100 µs, and all seen. */
  private fine = 0;
  private seen = 0;

  private constructor(private readonly device: GPUDevice) {
    this.querySet = device.createQuerySet({ type: "timestamp", count: 2 * PAIRS, label: "bench:timer" });
    this.resolve = device.createBuffer({
      label: "bench:timer-resolve",
      size: 16 * PAIRS,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    this.staging = device.createBuffer({
      label: "bench:timer-read",
      size: 16 * PAIRS,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.createEncoder = device.createCommandEncoder.bind(device);
    device.createCommandEncoder = (desc?: GPUCommandEncoderDescriptor) => {
      const enc = this.createEncoder(desc);
      const begin = enc.beginComputePass.bind(enc);
      enc.beginComputePass = (d: GPUComputePassDescriptor = {}) => begin(this.instrument(d));
      return enc;
    };
  }

  /** A timer on `device`, or null when the device was created without the timestamp-query feature. */
  static install(device: GPUDevice): GpuTimer | null {
    return device.features.has("timestamp-query") ? new GpuTimer(device) : null;
  }

  private instrument(d: GPUComputePassDescriptor): GPUComputePassDescriptor {
    if (!this.active || d.timestampWrites) return d;
    if (this.next >= PAIRS) {
      this.overflow = true;
      return d;
    }
    const i = this.next++;
    return {
      ...d,
      timestampWrites: {
        querySet: this.querySet,
        beginningOfPassWriteIndex: 2 * i,
        endOfPassWriteIndex: 2 * i + 1,
      },
    };
  }

  begin(): void {
    this.active = true;
    this.next = 0;
    this.overflow = false;
  }

  /**
   * Stop timing; call once the timed work is submitted and done. Returns milliseconds of pass time, or null
   * when a pass went untimed (query set full).
   */
  async end(): Promise<number | null> {
    this.active = false;
    const n = this.next;
    if (this.overflow) return null;
    if (n === 0) return 0;
    const enc = this.createEncoder({ label: "bench:timer" });
    enc.resolveQuerySet(this.querySet, 0, 2 * n, this.resolve, 0);
    enc.copyBufferToBuffer(this.resolve, 0, this.staging, 0, 16 * n);
    this.device.queue.submit([enc.finish()]);
    await this.staging.mapAsync(GPUMapMode.READ, 0, 16 * n);
    const ts = new BigUint64Array(this.staging.getMappedRange(0, 16 * n).slice(0));
    this.staging.unmap();
    let ns = 0;
    for (let i = 0; i < n; i++) {
      const a = ts[2 * i]!;
      const b = ts[2 * i + 1]!;
      for (const t of [a, b]) {
        this.seen++;
        if (t % 100_000n !== 0n) this.fine++;
      }
      if (b > a) ns += Number(b - a);
    }
    return ns / 1e6;
  }

  /** 100 when every timestamp so far was a multiple of 100 µs (and there were some), else null. */
  get quantizedUs(): number | null {
    return this.seen > 0 && this.fine === 0 ? 100 : null;
  }
}
