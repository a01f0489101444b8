// The benchmark page: ?run starts at once (the CLI's way), ?quick for small sizes, ?filter=a,b to keep some
// cases. Progress and the report are in window.__benchmarks; the page shows the results as a table.

import "../src/ui/page.css";
import { CpuBackend } from "../src/backend/cpu";
import { WasmBackend } from "../src/backend/wasm";
import { type KernelVariants, WebGPUBackend } from "../src/backend/webgpu";
import { GpuRuntime } from "../src/gpu/runtime";
import { addSiteNav } from "../src/ui/site-nav";
import type { BenchContext } from "./cases/common";
import { groupList, kept } from "./cases/index";
import { makePlan } from "./cases/plan";
import { coresTogether } from "./lib/cores-together";
import { GpuTimer } from "./lib/gpu-timer";
import { runGroup } from "./lib/harness";
import { setupTfjs } from "./lib/tfjs";
import type { BenchResult, BenchSkip, BenchState, CoresTogether } from "./lib/types";

addSiteNav();
const params = new URLSearchParams(location.search);
const quick = params.has("quick");
const filter = (params.get("filter") ?? "")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);

const state: BenchState = { state: "running", done: 0, total: 0, current: "starting", log: [] };
// The CLI (bench/run.ts) reads progress and the report from here; a production build has no such probe.
if (import.meta.env.DEV) window.__benchmarks = state;

const status = document.getElementById("status")!;
const tbody = document.querySelector("#results tbody")!;

function log(line: string): void {
  state.log.push(line);
  status.textContent = line;
}

const fmt = (x: number | null | undefined) =>
  x === null || x === undefined ? "" : x >= 100 ? x.toFixed(0) : x.toPrecision(3);

function show(r: BenchResult): void {
  const tr = document.createElement("tr");
  const cells = [
    r.case,
    r.shape,
    r.impl,
    fmt(r.medianMs),
    `${fmt(r.minMs)}–${fmt(r.maxMs)}`,
    String(r.reps),
    fmt(r.gpu?.medianMs),
    fmt(r.gflops),
  ];
  for (const c of cells) {
    const td = document.createElement("td");
    td.textContent = c;
    tr.append(td);
  }
  tbody.append(tr);
}

async function run(): Promise<void> {
  const t0 = performance.now();
  let rt: GpuRuntime | null = null;
  try {
    rt = await GpuRuntime.create();
  } catch (e) {
    log(`no WebGPU: ${(e as Error).message}; GPU cases are skipped`);
  }
  // Installed before tfjs exists: every command encoder made on the device from now on can be timed.
  const timer = rt ? GpuTimer.install(rt.device) : null;
  const tfjs = await setupTfjs(rt?.device ?? null, rt?.ctx.adapter.info ?? null);
  for (const [name, why] of Object.entries(tfjs.unavailable)) log(`tfjs ${name} unavailable: ${why}`);
  let wasm: BenchContext["wasm"];
  try {
    wasm = { one: await WasmBackend.create({ threads: 1 }), all: await WasmBackend.create() };
    log(`wasm: ${wasm.all.description}`);
  } catch (e) {
    wasm = { unavailable: (e as Error).message };
    log(`our wasm backend unavailable: ${wasm.unavailable}`);
  }
  const backends = new Map<string, WebGPUBackend>();
  const ctx: BenchContext = {
    rt,
    gpu: (force: Partial<KernelVariants>) => {
      const key = JSON.stringify(force);
      const known = backends.get(key);
      if (known) return known;
      const be = new WebGPUBackend(rt!, force);
      backends.set(key, be);
      return be;
    },
    cpu: CpuBackend.reference(),
    wasm,
    tfjs,
    quick,
  };
  // Before the groups: what the cores give together, the reference for the every-core matmul (when it runs).
  let together: CoresTogether | { error: string } | null = null;
  const plan = makePlan(quick);
  const shapes = [...plan.matmulSquare.map((n) => [n, n, n]), ...plan.matmulSkinny].map((s) => s.join("x"));
  if (!("unavailable" in wasm) && shapes.some((s) => kept(filter, "matmul/simd", s, "ours-wasm"))) {
    log(`cores together: ${wasm.all.threads} one-thread matmuls at once against one alone`);
    try {
      together = await coresTogether(
        wasm.all.threads,
        quick ? { n: 128, ms: 100, rounds: 2 } : { n: 256, ms: 500, rounds: 5 },
      );
      log(
        `cores together: ${together.ratio.toFixed(2)}x one alone (${together.ratios.map((r) => r.toFixed(2)).join(", ")})`,
      );
    } catch (e) {
      together = { error: (e as Error).message };
      log(`cores together: not measured: ${together.error}`);
    }
  }
  const entries = groupList(ctx);
  state.total = entries.length;
  const results: BenchResult[] = [];
  const skipped: BenchSkip[] = [];
  for (const entry of entries) {
    state.current = entry.title;
    const g = entry.make();
    g.runners = g.runners.filter((r) => kept(filter, r.case, g.shape, r.impl));
    if (g.runners.length > 0) {
      log(`${entry.title} (${g.runners.length} implementations)`);
      const out = await runGroup(g, timer, log);
      results.push(...out.results);
      skipped.push(...out.skipped);
      out.results.forEach(show);
    }
    state.done++;
  }
  if (rt) await rt.sync();
  if (!("unavailable" in wasm)) {
    wasm.one.dispose();
    wasm.all.dispose();
  }
  const info = rt?.ctx.info;
  state.report = {
    adapter: {
      vendor: info?.vendor ?? "",
      architecture: info?.architecture ?? "",
      description: info?.description ?? "",
      software: info?.software ?? false,
      timestampQuery: timer !== null,
      timestampQuantizedUs: timer?.quantizedUs ?? null,
    },
    defaults: rt ? { ...new WebGPUBackend(rt).variants } : null,
    results,
    skipped,
    quick,
    filter,
    wasm:
      "unavailable" in wasm
        ? null
        : {
            threads: wasm.all.threads,
            reason: `${wasm.all.engine.reason}; ${wasm.all.engine.relaxed ? "relaxed SIMD (fused multiply-add)" : "no relaxed SIMD"}`,
          },
    coresTogether: together,
    tfjs: { version: tfjs.version, wasmThreads: tfjs.wasmThreads, wasmSimd: tfjs.wasmSimd },
    seconds: (performance.now() - t0) / 1000,
  };
  state.current = "done";
  state.state = "done";
  log(`done: ${results.length} results, ${skipped.length} skipped, ${Math.round(state.report.seconds)} s`);
}

function start(): void {
  run().catch((e: Error) => {
    state.state = "error";
    state.error = `${e.name}: ${e.message}`;
    log(`error: ${state.error}`);
  });
}

if (params.has("run")) start();
else {
  const button = document.getElementById("start") as HTMLButtonElement;
  button.hidden = false;
  button.onclick = () => {
    button.disabled = true;
    start();
  };
}
