// <wb-kernels-page>: every kernel checked against the CPU reference (<wb-verify>), and WebGPU, wasm and CPU
// timings per kernel over a range of sizes, one chart per kernel, with the adapter and the clock named.
// URL: ?filter=<case id part> limits the checks, ?run starts them at once, ?bench=quick times two sizes only.

import { css, html, LitElement, nothing } from "lit";
import latestBench from "../../bench/results/latest.json";
import type { Backend } from "../backend/contract";
import { CpuBackend } from "../backend/cpu";
import { createBackend, wasmOrCpu } from "../backend/select";
import { WasmBackend } from "../backend/wasm";
import { BENCH_KERNELS, type BenchRow, runBench } from "./kernel-bench";
import { PALETTE } from "./plot-base";
import type { BenchReport } from "./wb-bench-compare";
import "./wb-bench-compare";
import type { LossSeries } from "./wb-loss-chart";
import "./wb-loss-chart";
import "./wb-verify";

declare global {
  interface Window {
    __bench?: {
      state: "idle" | "running" | "done" | "error";
      rows: BenchRow[];
      adapter: string;
      error?: string;
    };
  }
}

const ms = (v: number | undefined) =>
  v === undefined ? "–" : v < 1 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);

/** The backends timed side by side, in column order, with their chart series. */
const TIMED: { name: string; label: string; series: LossSeries }[] = [
  {
    name: "webgpu",
    label: "WebGPU",
    series: { label: "WebGPU", color: PALETTE[0]!, width: 2, points: true },
  },
  {
    name: "wasm",
    label: "wasm",
    series: { label: "wasm (SIMD, every core)", color: PALETTE[2]!, width: 2, points: true, dash: [2, 3] },
  },
  {
    name: "cpu",
    label: "CPU",
    series: { label: "CPU (JS)", color: PALETTE[1]!, width: 2, points: true, dash: [7, 4] },
  },
];

export class WbKernelsPage extends LitElement {
  static override properties = {
    filter: { type: String },
    autorun: { type: Boolean },
    quick: { type: Boolean },
    rows: { state: true },
    state: { state: true },
    adapter: { state: true },
    error: { state: true },
  };

  /** Passed to <wb-verify>: only cases whose id contains it. */
  declare filter: string;
  declare autorun: boolean;
  /** Time two sizes per kernel with fewer repeats. */
  declare quick: boolean;
  declare rows: BenchRow[];
  declare state: "idle" | "running" | "done" | "error";
  declare adapter: string;
  declare error: string;

  constructor() {
    super();
    this.filter = "";
    this.autorun = false;
    this.quick = false;
    this.rows = [];
    this.state = "idle";
    this.adapter = "";
    this.error = "";
  }

  private publish(): void {
    if (!import.meta.env.DEV) return;
    window.__bench = {
      state: this.state,
      rows: this.rows,
      adapter: this.adapter,
      ...(this.error ? { error: this.error } : {}),
    };
  }

  async bench(): Promise<void> {
    if (this.state === "running") return;
    this.rows = [];
    this.error = "";
    this.state = "running";
    this.publish();
    const backends: Backend[] = [];
    try {
      const sel = await createBackend("auto");
      backends.push(sel.backend);
      // wasm beside WebGPU when both exist (a module that cannot load here gives the CPU, timed once below).
      if (sel.backend.name === "webgpu") {
        const w = await wasmOrCpu();
        if (w.backend.name === "wasm") backends.push(w.backend);
      }
      if (sel.backend.name !== "cpu") backends.push(new CpuBackend());
      this.adapter = sel.backend.name === "webgpu" ? sel.backend.description : `no GPU: ${sel.reason}`;
      const opts = this.quick ? { warmup: 1, repeats: 3, maxSizes: 2 } : { warmup: 2, repeats: 5 };
      await runBench(backends, opts, (r) => {
        this.rows = [...this.rows, r];
        this.publish();
      });
      this.state = "done";
    } catch (e) {
      this.error = `${(e as Error).name}: ${(e as Error).message}`;
      this.state = "error";
    } finally {
      // The wasm engine's workers and memory are freed once measured.
      for (const be of backends) if (be instanceof WasmBackend) be.dispose();
    }
    this.publish();
  }

  private charts() {
    return BENCH_KERNELS.map((k) => {
      const rows = this.rows.filter((r) => r.kernel === k.name);
      if (!rows.length) return nothing;
      const timed = this.timed();
      const data = [rows.map((r) => r.size), ...timed.map((t) => rows.map((r) => r.ms[t.name] ?? null))];
      return html`<figure>
        <figcaption>${k.name}</figcaption>
        <wb-loss-chart .series=${timed.map((t) => t.series)} .data=${data} log-y log-x height="220"
          x-label=${`${k.sizeLabel} (log scale)`} y-label="ms per op + read"></wb-loss-chart>
      </figure>`;
    });
  }

  /** The backends present in the measured rows, in TIMED's order. */
  private timed() {
    return TIMED.filter((t) => this.rows.some((r) => r.ms[t.name] !== undefined));
  }

  private table() {
    const timed = this.timed();
    return html`<table>
      <thead><tr><th>kernel</th><th>size</th>${timed.map((t) => html`<th>${t.label} ms</th>`)}<th>fastest</th></tr></thead>
      <tbody>
        ${this.rows.map((r) => {
          const best = timed.reduce<(typeof timed)[number] | null>(
            (b, t) => ((r.ms[t.name] ?? Infinity) < (b ? (r.ms[b.name] ?? Infinity) : Infinity) ? t : b),
            null,
          );
          return html`<tr><td>${r.kernel}</td><td>${r.size.toLocaleString("en")}</td>
            ${timed.map((t) => html`<td>${ms(r.ms[t.name])}</td>`)}<td>${best?.label ?? "–"}</td></tr>`;
        })}
      </tbody>
    </table>`;
  }

  override render() {
    return html`
      <section>
        <h2>Checks against the CPU reference</h2>
        <wb-verify .filter=${this.filter} ?autorun=${this.autorun}></wb-verify>
      </section>
      <section>
        <h2>GPU, wasm and CPU timings</h2>
        <p class="note">Clock: <code>performance.now()</code> around one op call and the read of its output (median of
          ${this.quick ? 3 : 5} runs after ${this.quick ? 1 : 2} warm-up runs). The GPU time therefore includes dispatch and the readback,
          what a training step pays per synchronised op. On a software adapter (SwiftShader) the GPU is emulated on the CPU and is
          expected to lose; the ratios mean something only for the adapter named.</p>
        <p><button type="button" @click=${() => this.bench()} ?disabled=${this.state === "running"}>Time the kernels</button>
          <span class="state">${this.state === "running" ? `measuring… ${this.rows.length} rows` : this.state === "done" ? "done" : ""}</span></p>
        ${this.adapter ? html`<p>Adapter: <code>${this.adapter}</code></p>` : nothing}
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        ${this.rows.length ? html`<div class="bench">${this.table()}<div class="charts">${this.charts()}</div></div>` : nothing}
      </section>
      <section>
        <h2>Against TensorFlow.js</h2>
        <wb-bench-compare .report=${latestBench as BenchReport}></wb-bench-compare>
      </section>
    `;
  }

  static override styles = css`
    :host { display: block; font: 15px/1.45 system-ui, sans-serif; }
    h2 { font-size: 1.1em; margin: 1em 0 0.3em; }
    .note { font-size: 13px; color: #333; max-width: 60em; }
    .state { color: #555; font-style: italic; margin-left: 0.5em; }
    .error { color: #b00020; }
    .bench { display: grid; grid-template-columns: auto 1fr; gap: 1.5em; align-items: start; }
    .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 1em; }
    figure { margin: 0; }
    figcaption { font-weight: 600; }
    table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; }
    th, td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: right; }
    th:first-child, td:first-child { text-align: left; }
    button { font: inherit; padding: 3px 10px; }
    @media (max-width: 900px) { .bench { grid-template-columns: 1fr; } }
  `;
}

customElements.define("wb-kernels-page", WbKernelsPage);
