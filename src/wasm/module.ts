// Loading the kernel module (built by src/wasm/build.mjs from src/wasm/assembly) in Node or the browser, with
// the memory it imports. Two builds exist: one over a shared memory (for a pool of workers) and one over an
// ordinary memory (for pages without SharedArrayBuffer, i.e. not cross-origin isolated); each also comes built
// with relaxed SIMD (fused multiply-adds in the matmul and the softmax exp), for engines that have it (see
// relaxed.ts).

/** Pages of 64 KiB the memory may grow to (2 GiB); must match MAX_PAGES in src/wasm/build.mjs. */
export const MAX_PAGES = 32768;
/** The module's own data lives below this address; the arena hands out memory from here on. */
export const HEAP_BASE = 65536;

/** The module's exports: byte addresses (numbers) in, numbers out. */
export interface KernelExports {
  matmulPackedSize(K: number, N: number): number;
  matmulScratchFloats(): number;
  matmulPackB(...args: number[]): void;
  matmulRows(...args: number[]): void;
  matmulColsScratchFloats(M: number, K: number): number;
  matmulCols(...args: number[]): void;
  matmulSplitKChunks(M: number, K: number, N: number): number;
  matmulSplitKScratchFloats(N: number): number;
  matmulSplitK(...args: number[]): void;
  matmulSumPartials(...args: number[]): void;
  attentionScratchFloats(d: number): number;
  attentionForward(...args: number[]): void;
  attentionDelta(...args: number[]): void;
  attentionBackwardDq(...args: number[]): void;
  attentionBackwardDkv(...args: number[]): void;
  softmax(...args: number[]): void;
  softmaxBackward(...args: number[]): void;
  layerNorm(...args: number[]): void;
  layerNormBackward(...args: number[]): void;
  firstBadIndex(ids: number, n: number, limit: number): number;
  embedding(...args: number[]): void;
  softmaxScaled(...args: number[]): void;
  embeddingBackward(...args: number[]): void;
  crossEntropy(...args: number[]): number;
  crossEntropyBackward(...args: number[]): void;
  sumSquaredError(pred: number, target: number, n: number): number;
  mseBackward(...args: number[]): void;
  unary(...args: number[]): void;
  unaryBackward(...args: number[]): void;
  binary(...args: number[]): void;
  affine(...args: number[]): void;
  sumAxis(...args: number[]): void;
  permute4(...args: number[]): void;
  sumSquares(x: number, n: number): number;
  sgdUpdate(...args: number[]): void;
  adamUpdate(...args: number[]): void;
  mixtureForward(...args: number[]): void;
  mixtureBackward(...args: number[]): void;
}

/** The module could not be fetched, compiled or instantiated; `reason` says why (for a fallback message). */
export class WasmUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`WebAssembly kernels unavailable: ${reason}`);
    this.name = "WasmUnavailableError";
  }
}

export type ModuleVariant = "threads" | "single";

const isNode = typeof process !== "undefined" && !!process.versions?.node && typeof window === "undefined";

/** The .wasm bytes of a variant: from the file system in Node, through a Vite asset URL in the browser. */
async function fetchBytes(variant: ModuleVariant, relaxed: boolean): Promise<ArrayBuffer> {
  const name = `kernels-${variant}${relaxed ? "-relaxed" : ""}.wasm`;
  if (isNode) {
    const { readFile } = await import("node:fs/promises");
    const path = new URL(`./build/${name}`, import.meta.url);
    try {
      const buf = await readFile(path);
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    } catch (e) {
      throw new WasmUnavailableError(
        `cannot read ${path.pathname} (run npm run build:wasm): ${(e as Error).message}`,
      );
    }
  }
  const urls = await import("./urls");
  const url = relaxed
    ? variant === "threads"
      ? urls.threadsRelaxedUrl
      : urls.singleRelaxedUrl
    : variant === "threads"
      ? urls.threadsUrl
      : urls.singleUrl;
  const res = await fetch(url);
  if (!res.ok) throw new WasmUnavailableError(`fetching ${url} gave HTTP ${res.status}`);
  return res.arrayBuffer();
}

/**
 * Compile a variant (its relaxed-SIMD build when `relaxed`); the module can then be instantiated on any thread
 * over the same memory.
 */
export async function compileKernels(
  variant: ModuleVariant,
  bytes?: BufferSource,
  relaxed = false,
): Promise<WebAssembly.Module> {
  if (typeof WebAssembly !== "object")
    throw new WasmUnavailableError("this JavaScript engine has no WebAssembly");
  const src = bytes ?? (await fetchBytes(variant, relaxed));
  try {
    return await WebAssembly.compile(src);
  } catch (e) {
    const needs = [
      "SIMD",
      ...(variant === "threads" ? ["threads"] : []),
      ...(relaxed ? ["relaxed SIMD"] : []),
    ];
    throw new WasmUnavailableError(
      `the ${variant}${relaxed ? " relaxed" : ""} module did not compile (WebAssembly ${needs.join(" and ")} needed): ${(e as Error).message}`,
    );
  }
}

export function createMemory(shared: boolean, initialPages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared });
}

export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  try {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    return instance.exports as unknown as KernelExports;
  } catch (e) {
    throw new WasmUnavailableError(`the module did not instantiate: ${(e as Error).message}`);
  }
}
