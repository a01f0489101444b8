// <wb-bench-compare>: the latest `npm run bench` report (bench/results/latest.json, measured on the adapter it
// names) as plots: our kernels against TensorFlow.js, per op and size. A live run is one link away (/bench/).

import { css, html, LitElement, nothing } from "lit";
import { PALETTE } from "./plot-base";
import type { LossSeries } from "./wb-loss-chart";
import "./wb-loss-chart";

export interface BenchRow {
  case: string;
  shape: string;
  impl: string;
  medianMs: number;
}

export interface BenchReport {
  adapter: { vendor?: string; architecture?: string; description?: string };
  chromium?: string;
  results: BenchRow[];
}

/** One plot: x = a size read from the shape, one series per (case, impl) pair. */
interface Panel {
  title: string;
  xLabel: string;
  /** Which rows belong, and the x value of a row (null: not in this plot). */
  x: (r: BenchRow) => number | null;
  lines: { label: string; match: (r: BenchRow) => boolean }[];
}

const square = (r: BenchRow) => {
  const m = /^(\d+)x\1x\1$/.exec(r.shape);
  return m ? Number(m[1]) : null;
};
const attentionT = (r: BenchRow) => {
  const m = /T(\d+)/.exec(r.shape);
  return m ? Number(m[1]) : null;
};

const PANELS: Panel[] = [
  {
    title: "matmul N×N·N×N",
    xLabel: "N",
    x: (r) => (r.case.startsWith("matmul/") ? square(r) : null),
    lines: [
      {
        label: "ours WebGPU (register)",
        match: (r) => r.case === "matmul/register" && r.impl === "ours-webgpu",
      },
      {
        label: "ours WebGPU (workgroup)",
        match: (r) => r.case === "matmul/workgroup" && r.impl === "ours-webgpu",
      },
      { label: "tfjs WebGPU", match: (r) => r.case === "matmul/tf.matMul" && r.impl === "tfjs-webgpu" },
      { label: "ours CPU (ikj4)", match: (r) => r.case === "matmul/ikj4" && r.impl === "ours-cpu" },
      { label: "tfjs CPU", match: (r) => r.case === "matmul/tf.matMul" && r.impl === "tfjs-cpu" },
      { label: "ours wasm (1 thread)", match: (r) => r.case === "matmul/simd" && r.impl === "ours-wasm-1" },
      { label: "ours wasm (every core)", match: (r) => r.case === "matmul/simd" && r.impl === "ours-wasm" },
      { label: "tfjs WASM", match: (r) => r.case === "matmul/tf.matMul" && r.impl === "tfjs-wasm" },
    ],
  },
  {
    title: "attention forward, B1 H4 d64",
    xLabel: "T",
    x: (r) => (r.case.startsWith("attention/") ? attentionT(r) : null),
    lines: [
      { label: "ours fused", match: (r) => r.case === "attention/fused" && r.impl === "ours-webgpu" },
      { label: "ours unfused", match: (r) => r.case === "attention/unfused" && r.impl === "ours-webgpu" },
      { label: "tfjs WebGPU", match: (r) => r.case.startsWith("attention/tf.") && r.impl === "tfjs-webgpu" },
      { label: "ours wasm fused", match: (r) => r.case === "attention/fused" && r.impl === "ours-wasm" },
      { label: "tfjs WASM", match: (r) => r.case.startsWith("attention/tf.") && r.impl === "tfjs-wasm" },
    ],
  },
];

/** Columns [x, ...one per line] over the sizes present, null where a line has no measurement. */
export function panelColumns(p: Panel, rows: readonly BenchRow[]): (number | null)[][] {
  const xs = [...new Set(rows.map(p.x).filter((x): x is number => x !== null))].sort((a, b) => a - b);
  return [
    xs,
    ...p.lines.map((l) => xs.map((x) => rows.find((r) => p.x(r) === x && l.match(r))?.medianMs ?? null)),
  ];
}

/** One Okabe-Ito colour per line; TensorFlow.js dashed, ours solid; every measurement marked. */
export function lineStyles(p: Panel): LossSeries[] {
  return p.lines.map((l, i) => ({
    label: l.label,
    color: PALETTE[i % PALETTE.length]!,
    width: 2,
    points: true,
    ...(l.label.startsWith("tfjs") ? { dash: [7, 4] } : {}),
  }));
}

export class WbBenchCompare extends LitElement {
  static override properties = { report: { attribute: false } };

  declare report: BenchReport | null;

  constructor() {
    super();
    this.report = null;
  }

  override render() {
    const r = this.report;
    if (!r) return html`<p>No benchmark report.</p>`;
    const a = [r.adapter.vendor, r.adapter.architecture, r.adapter.description].filter(Boolean).join(" / ");
    return html`
      <p class="note">Median wall-clock ms per call (log scale) from the latest <code>npm run bench</code>, measured on
        <code>${a}</code>${r.chromium ? html`, ${r.chromium}` : nothing}; <a href="/bench/">run it here</a> for this
        browser's adapter. Full table and method: <code>bench/README.md</code>.</p>
      <div class="charts">
        ${PANELS.map(
          (p) => html`<figure>
            <figcaption>${p.title}</figcaption>
            <wb-loss-chart .series=${lineStyles(p)} .data=${panelColumns(p, r.results)}
              log-y log-x height="240" x-label=${`${p.xLabel} (log scale)`} y-label="ms (log scale)"></wb-loss-chart>
          </figure>`,
        )}
      </div>
    `;
  }

  static override styles = css`
    :host { display: block; }
    .note { font-size: 13px; color: #333; max-width: 60em; }
    .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 1em; }
    figure { margin: 0; }
    figcaption { font-weight: 600; }
  `;
}

customElements.define("wb-bench-compare", WbBenchCompare);
