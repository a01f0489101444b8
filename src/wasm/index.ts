// The WebAssembly SIMD engine: context (module, memory, arena, worker pool) and the typed ops over it.

export { Arena, ArenaError, type WasmBuffer } from "./arena";
export {
  type Cutover,
  createWasmContext,
  DEFAULT_CUTOVER,
  sharingUnavailable,
  type WasmContext,
  type WasmContextOptions,
} from "./context";
export { WasmUnavailableError } from "./module";
export * from "./ops";
export { WorkerPoolError } from "./pool";
