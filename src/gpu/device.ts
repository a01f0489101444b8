// Acquiring a WebGPU device, with a reason whenever one cannot be had.

/** What the tests, benchmarks and pages report about the adapter that produced a result. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  /** True for a software adapter (SwiftShader here); WebGPU gives no reliable flag, so this is a rule. */
  software: boolean;
  features: string[];
}

export class WebGPUUnavailableError extends Error {
  override name = "WebGPUUnavailableError";
}

export interface GpuContext {
  device: GPUDevice;
  adapter: GPUAdapter;
  info: AdapterSummary;
  /** Resolves when the device is lost (destroyed, driver reset, watchdog). */
  lost: Promise<GPUDeviceLostInfo>;
}

export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const i = adapter.info;
  const architecture = i.architecture ?? "";
  const fallback = (i as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return {
    vendor: i.vendor ?? "",
    architecture,
    description: i.description ?? "",
    software:
      fallback || /swiftshader|llvmpipe|lavapipe|warp|software/i.test(`${architecture} ${i.description}`),
    features: [...adapter.features].sort(),
  };
}

/**
 * Request an adapter and a device with the limits the kernels need: storage bindings and buffers as large as
 * the adapter allows (the defaults, 128 MiB / 256 MiB, are too small for a 64-seed batch), and the
 * timestamp-query feature when present (benchmarks use it). Everything else stays at WebGPU's defaults so that
 * kernels written against them run on every GPU.
 */
export async function acquireGpu(
  options: { powerPreference?: GPUPowerPreference } = {},
): Promise<GpuContext> {
  const gpu = typeof navigator === "undefined" ? undefined : navigator.gpu;
  if (!gpu) {
    const browser = typeof document !== "undefined" || "WorkerGlobalScope" in globalThis;
    const secure = typeof isSecureContext === "undefined" || isSecureContext;
    throw new WebGPUUnavailableError(
      !browser
        ? "navigator.gpu is missing: not running in a browser (Node has WebGPU only through a binding that sets navigator.gpu)"
        : secure
          ? "navigator.gpu is missing: this browser has no WebGPU (Chrome/Edge 113+, or Chromium with --enable-unsafe-webgpu)"
          : "navigator.gpu is missing because the page is not a secure context: serve it from https, localhost or 127.0.0.1",
    );
  }
  const adapter = await gpu.requestAdapter({
    powerPreference: options.powerPreference ?? "high-performance",
  });
  if (!adapter)
    throw new WebGPUUnavailableError(
      "requestAdapter() returned null: WebGPU exists but no adapter is usable",
    );
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has("timestamp-query")) requiredFeatures.push("timestamp-query");
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      label: "workbench",
      requiredFeatures,
      requiredLimits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
      },
    });
  } catch (e) {
    throw new WebGPUUnavailableError(`requestDevice() failed: ${(e as Error).message}`);
  }
  return { device, adapter, info: summarizeAdapter(adapter), lost: device.lost };
}
