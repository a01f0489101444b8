// Error paths of the WebGPU layer, checked on a real device (SwiftShader in headless Chromium): every failure
// must surface as a typed error that names the kernel, op, argument or limit involved, never as a console
// warning or a silently wrong result. Each check publishes { name, pass, detail } on window.__errors.

import type { Tensor } from "../../src/backend/contract";
import { CpuBackend } from "../../src/backend/cpu";
import { createBackend } from "../../src/backend/select";
import { WebGPUBackend } from "../../src/backend/webgpu";
import { acquireGpu } from "../../src/gpu/device";
import { DeviceLostError, KernelError } from "../../src/gpu/errors";
import { GpuRuntime } from "../../src/gpu/runtime";
import { ShapeError } from "../../src/kernels/validate";

export interface ErrorCheck {
  name: string;
  pass: boolean;
  /** What was observed (the error message), or why the check failed. */
  detail: string;
}

export interface ErrorsState {
  state: "running" | "done" | "error";
  adapter?: string;
  checks: ErrorCheck[];
  error?: string;
}

declare global {
  interface Window {
    __errors?: ErrorsState;
  }
}

// An undeclared identifier: createShaderModule records a validation error, and so does every pipeline and
// bind group made from it. None of that throws in JavaScript; only the error scopes see it.
const BROKEN_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@compute @workgroup_size(1)
fn main() {
  x[0] = not_declared_anywhere + 1.0;
}`;

const FILL_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x < arrayLength(&x)) { x[gid.x] = 1.0; }
}`;

class CheckFailed extends Error {}

function must(cond: unknown, why: string): asserts cond {
  if (!cond) throw new CheckFailed(why);
}

/** The error `fn` throws or rejects with, or null if it completes. */
async function thrown(fn: () => unknown): Promise<Error | null> {
  try {
    await fn();
    return null;
  } catch (e) {
    return e as Error;
  }
}

function describe(e: Error | null): string {
  return e ? `${e.name}: ${e.message}` : "nothing was thrown";
}

function ones(n: number): Float32Array {
  return new Float32Array(n).fill(1);
}

const state: ErrorsState = { state: "running", checks: [] };
window.__errors = state;

async function check(name: string, fn: () => Promise<string>): Promise<void> {
  let result: ErrorCheck;
  try {
    result = { name, pass: true, detail: await fn() };
  } catch (e) {
    const err = e as Error;
    result = { name, pass: false, detail: err instanceof CheckFailed ? err.message : describe(err) };
  }
  state.checks.push(result);
  const out = document.getElementById("out");
  if (out) out.textContent += `${result.pass ? "pass" : "FAIL"} ${name}: ${result.detail}\n`;
}

async function run(): Promise<void> {
  const be = new WebGPUBackend(await GpuRuntime.create());
  const rt = be.rt;
  state.adapter = be.description;

  await check("WGSL compile error surfaces as KernelError at sync()", async () => {
    const x = rt.upload(ones(4), "broken-x");
    rt.dispatch({ name: "broken-kernel", code: BROKEN_WGSL }, {}, [x], null, [1]);
    const e = await thrown(() => rt.sync());
    rt.pool.release(x);
    must(e instanceof KernelError, `expected a KernelError, got ${describe(e)}`);
    must(
      e.kernel === "broken-kernel" && e.message.includes("broken-kernel"),
      `kernel not named: ${e.message}`,
    );
    const compiler = await rt.pipelines.messages("broken-kernel");
    must(
      compiler.some((m) => m.includes("not_declared_anywhere")),
      `compiler messages: ${compiler.join("; ")}`,
    );
    return `${describe(e)} | compiler: ${compiler[0]}`;
  });

  await check("WGSL compile error surfaces as KernelError at read()", async () => {
    const x = rt.upload(ones(4), "broken-x");
    rt.dispatch({ name: "broken-kernel", code: BROKEN_WGSL }, {}, [x], null, [1]);
    const e = await thrown(() => rt.read(x, 4));
    rt.pool.release(x);
    must(e instanceof KernelError, `expected a KernelError, got ${describe(e)}`);
    must(e.message.includes("broken-kernel"), `kernel not named: ${e.message}`);
    return describe(e);
  });

  await check("after a kernel error the runtime keeps working", async () => {
    const x = rt.upload(new Float32Array(100), "fill-x");
    rt.dispatch({ name: "fill-ones", code: FILL_WGSL }, {}, [x], null, [2]);
    const got = await rt.read(x, 100);
    rt.pool.release(x);
    must(
      got.every((v) => v === 1),
      `fill kernel gave ${got.slice(0, 4).join(", ")}...`,
    );
    return "a valid kernel ran and read back correctly";
  });

  await check("matmul with mismatched K throws ShapeError before any dispatch", async () => {
    const a = be.tensor(ones(6), [2, 3]);
    const b = be.tensor(ones(20), [4, 5]);
    const [dispatches, inUse] = [rt.dispatchCount, rt.pool.bytesInUse];
    const e = await thrown(() => be.matmul(a, b));
    must(e instanceof ShapeError, `expected a ShapeError, got ${describe(e)}`);
    must(e.op === "matmul" && e.arg === "b", `op/arg are ${e.op}/${e.arg}`);
    must(/^matmul: argument 'b'/.test(e.message), `message does not name matmul and 'b': ${e.message}`);
    must(rt.dispatchCount === dispatches, "a kernel was dispatched");
    must(rt.pool.bytesInUse === inUse, "an output buffer was allocated and kept");
    a.dispose();
    b.dispose();
    return describe(e);
  });

  await check("a cpu tensor in a webgpu op throws (and the reverse)", async () => {
    const cpu = new CpuBackend();
    const c = cpu.tensor(ones(4), [2, 2]);
    const g = be.tensor(ones(4), [2, 2]);
    const dispatches = rt.dispatchCount;
    const e1 = await thrown(() => be.matmul(c, g));
    const e2 = await thrown(() => cpu.matmul(c, g));
    g.dispose();
    must(e1 instanceof ShapeError && /webgpu backend/.test(e1.message), `webgpu op: ${describe(e1)}`);
    must(e1.arg === "a", `argument named is ${e1.arg}`);
    must(e2 instanceof ShapeError && /cpu backend/.test(e2.message), `cpu op: ${describe(e2)}`);
    must(rt.dispatchCount === dispatches, "a kernel was dispatched");
    return `${describe(e1)} | ${describe(e2)}`;
  });

  await check("an output larger than maxStorageBufferBindingSize is refused naming the limit", async () => {
    // [M, 1] x [1, N]: inputs of M and N floats, an output of M*N floats just past the limit.
    const max = rt.limits.maxStorageBufferBindingSize;
    const M = 1 << 14;
    const N = Math.floor(max / 4 / M) + 1;
    const a = be.tensor(ones(M), [M, 1]);
    const b = be.tensor(ones(N), [1, N]);
    const [dispatches, inUse] = [rt.dispatchCount, rt.pool.bytesInUse];
    const e = await thrown(() => be.matmul(a, b));
    const [dispatchesAfter, inUseAfter] = [rt.dispatchCount, rt.pool.bytesInUse];
    a.dispose();
    b.dispose();
    must(e instanceof ShapeError, `expected a ShapeError, got ${describe(e)}`);
    must(e.message.includes("maxStorageBufferBindingSize"), `limit not named: ${e.message}`);
    must(dispatchesAfter === dispatches, "a kernel was dispatched");
    must(inUseAfter === inUse, "an output buffer was allocated and kept");
    return `[${M}, 1] x [1, ${N}], limit ${max} bytes: ${describe(e)}`;
  });

  await check(
    "a buffer or upload past the device's buffer limit is refused before anything is created",
    async () => {
      const limit = rt.pool.limit;
      const [allocations, inUse] = [rt.pool.allocations, rt.pool.bytesInUse];
      const e1 = await thrown(() => rt.pool.acquire(limit + 4, "too-big"));
      // Only byteLength is read before the refusal, so no gigabyte-sized array is needed.
      const huge = { byteLength: limit + 4 } as Float32Array;
      const e2 = await thrown(() => rt.upload(huge, "too-big-upload"));
      must(e1 instanceof KernelError && e1.message.includes(`(${limit} bytes)`), `pool: ${describe(e1)}`);
      must(e2 instanceof KernelError && e2.message.includes(`${limit} bytes`), `upload: ${describe(e2)}`);
      must(rt.pool.allocations === allocations, "a buffer was created");
      must(rt.pool.bytesInUse === inUse, "bytes in use changed");
      await rt.sync();
      return `limit ${limit} bytes: ${describe(e1)} | ${describe(e2)}`;
    },
  );

  await check("a grid over maxComputeWorkgroupsPerDimension throws naming the limit", async () => {
    const max = rt.limits.maxComputeWorkgroupsPerDimension;
    const x = rt.upload(new Float32Array(4), "grid-x");
    const dispatches = rt.dispatchCount;
    const e = await thrown(() =>
      rt.dispatch({ name: "fill-ones", code: FILL_WGSL }, {}, [x], null, [max + 1]),
    );
    rt.pool.release(x);
    must(e instanceof KernelError, `expected a KernelError, got ${describe(e)}`);
    must(e.message.includes("maxComputeWorkgroupsPerDimension"), `limit not named: ${e.message}`);
    must(e.message.includes("fill-ones"), `kernel not named: ${e.message}`);
    must(rt.dispatchCount === dispatches, "the dispatch was counted");
    await rt.sync(); // nothing reached the device, so nothing is pending
    return describe(e);
  });

  await check("the same through matmul: a [1, 1] x [1, N] grid past the limit (naive variant)", async () => {
    // The naive kernel covers 8 columns per workgroup, so N = 8 * limit + 8 needs limit + 1 workgroups in x.
    const naive = new WebGPUBackend(rt, { matmul: "naive" });
    const N = 8 * rt.limits.maxComputeWorkgroupsPerDimension + 8;
    const a = naive.tensor([1], [1, 1]);
    const b = naive.tensor(ones(N), [1, N]);
    const inUse = rt.pool.bytesInUse;
    const e = await thrown(() => naive.matmul(a, b));
    must(e instanceof KernelError, `expected a KernelError, got ${describe(e)}`);
    must(e.message.includes("maxComputeWorkgroupsPerDimension"), `limit not named: ${e.message}`);
    must(
      rt.pool.bytesInUse === inUse,
      "the output buffer of the refused matmul was not returned to the pool",
    );
    a.dispose();
    b.dispose();
    return describe(e);
  });

  await check("a tensor used after dispose throws", async () => {
    const a = be.tensor(ones(4), [2, 2]);
    const b = be.tensor(ones(4), [2, 2]);
    a.dispose();
    a.dispose(); // a second dispose is harmless
    const e1 = await thrown(() => be.matmul(a, b));
    let syncThrow: Error | null = null;
    let reading: Promise<Float32Array> | null = null;
    try {
      reading = be.read(a);
    } catch (e) {
      syncThrow = e as Error;
    }
    const e2 = syncThrow ?? (await thrown(() => reading));
    b.dispose();
    must(!syncThrow, `read() threw synchronously instead of rejecting: ${describe(syncThrow)}`);
    must(a.disposed, "disposed is false");
    must(e1 && /after dispose/.test(e1.message), `matmul: ${describe(e1)}`);
    must(e2 && /after dispose/.test(e2.message), `read: ${describe(e2)}`);
    return `${describe(e1)} | ${describe(e2)}`;
  });

  await check("the buffer pool reuses buffers: allocations flat over 100 matmul+dispose", async () => {
    const a = be.tensor(ones(32 * 48), [32, 48]);
    const b = be.tensor(ones(48 * 40), [48, 40]);
    const step = () => be.matmul(a, b).dispose();
    step(); // warm-up: the output's size class and the pipeline now exist
    await rt.sync();
    const [allocs, pipelines, inUse] = [rt.pool.allocations, rt.pipelines.size, rt.pool.bytesInUse];
    for (let i = 0; i < 100; i++) step();
    await rt.sync();
    const inUseAfter = rt.pool.bytesInUse;
    const last = be.matmul(a, b);
    const got = await be.read(last);
    last.dispose();
    a.dispose();
    b.dispose();
    const grew = rt.pool.allocations - allocs;
    must(grew === 0, `${grew} new buffers over 100 iterations`);
    must(rt.pipelines.size === pipelines, "pipelines were recompiled");
    must(inUseAfter === inUse, `bytesInUse drifted: ${inUse} -> ${inUseAfter}`);
    must(
      got.every((v) => v === 48),
      `wrong product: ${got[0]}`,
    );
    return `allocations stayed at ${allocs}, ${rt.pool.bytesFree} bytes pooled`;
  });

  await check("createBackend picks WebGPU in the browser and applies forced variants", async () => {
    const auto = await createBackend("auto");
    const forced = await createBackend("webgpu", { variants: { matmul: "naive" } });
    must(auto.backend.name === "webgpu", `auto gave ${auto.backend.name}: ${auto.reason}`);
    must(forced.backend instanceof WebGPUBackend, `forced gave ${forced.backend.name}`);
    must(forced.backend.variants.matmul === "naive", `variant is ${forced.backend.variants.matmul}`);
    for (const s of [auto, forced]) (s.backend as WebGPUBackend).rt.device.destroy();
    return `${auto.reason} | ${forced.reason}`;
  });

  // Last: these destroy their own devices, not the one above.
  await check("device.destroy() then an op throws DeviceLostError", async () => {
    const lostRt = new GpuRuntime(await acquireGpu());
    const lost = new WebGPUBackend(lostRt);
    const a = lost.tensor(ones(4), [2, 2]);
    lostRt.device.destroy();
    await lostRt.ctx.lost;
    const e1 = await thrown(() => lost.matmul(a, a));
    const e2 = await thrown(() => lost.tensor(ones(4), [2, 2]));
    const e3 = await thrown(() => lostRt.sync());
    for (const e of [e1, e2, e3]) {
      must(e instanceof DeviceLostError, `expected a DeviceLostError, got ${describe(e)}`);
      must(/device lost/i.test(e.message), `message does not say the device was lost: ${e.message}`);
    }
    return describe(e1);
  });

  await check("device.destroy() with work in flight: read() throws DeviceLostError", async () => {
    // No await between destroy() and the op: the loss is only noticed at the synchronisation point.
    const lostRt = new GpuRuntime(await acquireGpu());
    const lost = new WebGPUBackend(lostRt);
    const a = lost.tensor(ones(4), [2, 2]);
    lostRt.device.destroy();
    let out: Tensor | null = null;
    const e0 = await thrown(() => {
      out = lost.matmul(a, a);
    });
    const e = out ? await thrown(() => lost.read(out as Tensor)) : e0;
    must(e instanceof DeviceLostError, `expected a DeviceLostError, got ${describe(e)}`);
    must(/device lost/i.test(e.message), `message does not say the device was lost: ${e.message}`);
    return `${out ? "the matmul was accepted; read() threw" : "the matmul threw"} ${describe(e)}`;
  });
}

run().then(
  () => {
    state.state = "done";
  },
  (e: Error) => {
    state.state = "error";
    state.error = describe(e);
  },
);
