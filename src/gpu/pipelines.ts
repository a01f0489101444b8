// Compute pipelines cached by kernel name, source and specialisation constants. WGSL stays in .wgsl files and
// is specialised with `override` constants (tile sizes, transposes), never by string templating.

import type { ErrorSink } from "./errors";

export type Constants = Record<string, number | boolean>;

export interface KernelSource {
  /** Stable name used in labels and error messages, e.g. "matmul-naive". */
  name: string;
  code: string;
  entryPoint?: string;
}

export class PipelineCache {
  private modules = new Map<string, GPUShaderModule>();
  private pipelines = new Map<string, GPUComputePipeline>();

  constructor(
    private readonly device: GPUDevice,
    private readonly errors: ErrorSink,
  ) {}

  get size(): number {
    return this.pipelines.size;
  }

  get(kernel: KernelSource, constants: Constants = {}): GPUComputePipeline {
    const keys = Object.keys(constants).sort();
    const spec = keys.map((k) => `${k}=${Number(constants[k])}`).join(",");
    const key = `${kernel.name}|${kernel.entryPoint ?? "main"}|${spec}`;
    let pipeline = this.pipelines.get(key);
    if (pipeline) return pipeline;
    const label = spec ? `${kernel.name}[${spec}]` : kernel.name;
    pipeline = this.errors.scoped(this.device, label, () => {
      let module = this.modules.get(kernel.name);
      if (!module) {
        module = this.device.createShaderModule({ label: kernel.name, code: kernel.code });
        this.modules.set(kernel.name, module);
      }
      const numeric: Record<string, number> = {};
      for (const k of keys) numeric[k] = Number(constants[k]);
      return this.device.createComputePipeline({
        label,
        layout: "auto",
        compute: { module, entryPoint: kernel.entryPoint ?? "main", constants: numeric },
      });
    });
    this.pipelines.set(key, pipeline);
    return pipeline;
  }

  /** Compiler messages for a kernel (errors and warnings), for reports when a pipeline fails. */
  async messages(kernelName: string): Promise<string[]> {
    const module = this.modules.get(kernelName);
    if (!module) return [];
    const info = await module.getCompilationInfo();
    return info.messages.map((m) => `${m.type} ${m.lineNum}:${m.linePos} ${m.message}`);
  }
}
