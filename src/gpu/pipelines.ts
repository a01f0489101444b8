// Compute pipelines cached by kernel name, library list, entry point and specialisation constants (the source
// is not part of the key: one name, one source). A module is the kernel's WGSL followed by the library files its
// `//! use:` line names (wgsl-compose.ts); WGSL stays in .wgsl files and is specialised with `override`
// constants (tile sizes, transposes), never by string templating.

import type { ErrorSink } from "./errors";
import { type ComposedKernel, composeKernel, sourceLine } from "./wgsl-compose";
import { WGSL_LIBRARY } from "./wgsl-library";

export type Constants = Record<string, number | boolean>;

export interface KernelSource {
  /** Stable name used in labels and error messages, e.g. "matmul-naive". */
  name: string;
  code: string;
  entryPoint?: string;
}

export class PipelineCache {
  /** Modules by composed key (kernel name and library list). */
  private modules = new Map<string, GPUShaderModule>();
  /** The latest module compiled for each kernel name, for `messages`. */
  private byName = new Map<string, { module: GPUShaderModule; composed: ComposedKernel }>();
  private pipelines = new Map<string, GPUComputePipeline>();
  /** Each kernel name's composition, kept with the source it was made from (a dispatch must not re-parse it). */
  private composed = new Map<string, { source: string; composed: ComposedKernel }>();

  constructor(
    private readonly device: GPUDevice,
    private readonly errors: ErrorSink,
    private readonly library: Readonly<Record<string, string>> = WGSL_LIBRARY,
  ) {}

  get size(): number {
    return this.pipelines.size;
  }

  get(kernel: KernelSource, constants: Constants = {}): GPUComputePipeline {
    const composed = this.compose(kernel);
    const keys = Object.keys(constants).sort();
    const spec = keys.map((k) => `${k}=${Number(constants[k])}`).join(",");
    const key = `${composed.key}|${kernel.entryPoint ?? "main"}|${spec}`;
    let pipeline = this.pipelines.get(key);
    if (pipeline) return pipeline;
    const label = spec ? `${kernel.name}[${spec}]` : kernel.name;
    pipeline = this.errors.scoped(this.device, label, () => {
      let module = this.modules.get(composed.key);
      if (!module) {
        module = this.device.createShaderModule({ label: kernel.name, code: composed.code });
        this.modules.set(composed.key, module);
        this.byName.set(kernel.name, { module, composed });
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

  private compose(kernel: KernelSource): ComposedKernel {
    const known = this.composed.get(kernel.name);
    if (known && known.source === kernel.code) return known.composed;
    const composed = composeKernel(kernel, this.library);
    this.composed.set(kernel.name, { source: kernel.code, composed });
    return composed;
  }

  /**
   * Compiler messages for a kernel (errors and warnings), for reports when a pipeline fails: `type line:col
   * message` for a line of the kernel file, `type lib/<name>.wgsl:line:col message` for a library line.
   */
  async messages(kernelName: string): Promise<string[]> {
    const entry = this.byName.get(kernelName);
    if (!entry) return [];
    const info = await entry.module.getCompilationInfo();
    return info.messages.map((m) => {
      const at = sourceLine(entry.composed, m.lineNum);
      const where = at.file === kernelName ? `${at.line}` : `${at.file}:${at.line}`;
      return `${m.type} ${where}:${m.linePos} ${m.message}`;
    });
  }
}
