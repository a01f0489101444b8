// GPU errors arrive asynchronously (error scopes resolve later); this collects them per kernel so the next
// synchronisation point throws one error that names the kernel, instead of a console warning nobody reads.

export class KernelError extends Error {
  override name = "KernelError";
  constructor(
    readonly kernel: string,
    message: string,
  ) {
    super(`${kernel}: ${message}`);
  }
}

export class DeviceLostError extends Error {
  override name = "DeviceLostError";
}

export class ErrorSink {
  private pending: Promise<KernelError | null>[] = [];
  private first: KernelError | null = null;

  /** Run `fn` inside validation and out-of-memory error scopes; any error is attributed to `kernel`. */
  scoped<T>(device: GPUDevice, kernel: string, fn: () => T): T {
    return this.within(device, fn, (v, o) => {
      const err = v ?? o;
      if (!err) return null;
      const kind = v ? "validation error" : "out of memory";
      return new KernelError(kernel, `${kind}: ${err.message}`);
    });
  }

  /**
   * Run `fn` (a createBuffer) inside an out-of-memory scope; a failure is recorded as
   * "out of GPU memory: N bytes for LABEL" and thrown at the next check.
   */
  allocation<T>(device: GPUDevice, label: string, bytes: number, fn: () => T): T {
    return this.within(device, fn, (v, o) => {
      if (!v && !o) return null;
      return o
        ? new KernelError(label, `out of GPU memory: ${bytes} bytes for ${label}`)
        : new KernelError(label, `allocation of ${bytes} bytes failed: ${v!.message}`);
    });
  }

  /** Run `fn` inside validation and out-of-memory scopes; `toError` names what the scopes caught, if anything. */
  private within<T>(
    device: GPUDevice,
    fn: () => T,
    toError: (validation: GPUError | null, oom: GPUError | null) => KernelError | null,
  ): T {
    device.pushErrorScope("out-of-memory");
    device.pushErrorScope("validation");
    try {
      return fn();
    } finally {
      const validation = device.popErrorScope();
      const oom = device.popErrorScope();
      this.pending.push(
        Promise.all([validation, oom]).then(([v, o]) => {
          const e = toError(v, o);
          if (e) this.first ??= e;
          return e;
        }),
      );
      if (this.pending.length > 256) this.compact();
    }
  }

  /** Wait for every scope opened so far; throw the first error seen (once). */
  async check(): Promise<void> {
    const all = this.pending;
    this.pending = [];
    await Promise.all(all);
    const e = this.first;
    this.first = null;
    if (e) throw e;
  }

  private compact(): void {
    // Keep memory bounded in long runs that never synchronise: settled scopes are folded into `first`.
    const all = this.pending;
    this.pending = [];
    this.pending.push(Promise.all(all).then(() => this.first));
  }
}
