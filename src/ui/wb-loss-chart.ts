// <wb-loss-chart>: loss curves against training steps (uPlot).
//
//   chart.series = [{ label: "train" }, { label: "test", dash: [6, 4] }];
//   chart.data = [[0, 1, 2], [3.1, 2.5, 2.2], [null, null, 2.4]];   // [steps, ...one column per series]
//
// Columns may hold null where a series has no value (held-out losses are measured less often); the line spans
// the gap. Set `data` to a new array to redraw; redraws are coalesced to one per animation frame.
// On a log axis: a tick and a label at every decade (1e-4, 0.001, 0.01, 0.1, 1, 10, …); a loss of 0 (or below the
// floor) is drawn at the floor, marked with a dot, and its legend value says so. The legend shows each series'
// latest value while the pointer is off the plot.

import type uPlot from "uplot";
import { type Columns, PALETTE, PlotElement } from "./plot-base";

export interface LossSeries {
  label: string;
  /** CSS colour; defaults to the palette in order. */
  color?: string;
  /** Canvas line dash, e.g. [6, 4] for held-out losses. */
  dash?: number[];
  /** Line width in CSS px (default 1.5). */
  width?: number;
  /** Mark every point (series with few points, e.g. one per snapshot). */
  points?: boolean;
}

/** Where a log axis draws a loss of 0 or less. */
export const LOG_FLOOR = 1e-6;

/** A decade's tick label: 1e-4 … 0.001, 0.01, 0.1, 1, 10, 100, 1000, 1e4 …. */
export function decadeLabel(v: number): string {
  if (!(v > 0)) return String(v);
  const e = Math.round(Math.log10(v));
  if (Math.abs(Math.log10(v) - e) > 1e-6) return "";
  if (e >= -3 && e <= 3) return String(10 ** e >= 1 ? 10 ** e : Number((10 ** e).toFixed(-e)));
  return `1e${e}`;
}

/** Every power of ten from below `min` to above `max`. */
export function decades(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(Math.max(LOG_FLOOR, min)));
  const hi = Math.ceil(Math.log10(Math.max(LOG_FLOOR, max)));
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
}

/** A size on a log x axis: 64, 512, 4096, 1e5, 2.6e5 …. */
export function sizeLabel(v: number): string {
  if (v < 1e4) return String(Math.round(v));
  const e = Math.floor(Math.log10(v));
  const m = v / 10 ** e;
  return `${Math.abs(m - 1) < 1e-9 ? "" : `${+m.toFixed(1)}×`}1e${e}`;
}

const fmt = (v: number) => (Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toPrecision(4));

export class WbLossChart extends PlotElement {
  static override properties = {
    ...PlotElement.properties,
    series: { attribute: false },
    data: { attribute: false },
    logY: { type: Boolean, attribute: "log-y" },
    logX: { type: Boolean, attribute: "log-x" },
    xLabel: { type: String, attribute: "x-label" },
    yLabel: { type: String, attribute: "y-label" },
  };

  declare series: LossSeries[];
  /** [steps, ...ys]: columnar, one column per series, all of equal length. */
  declare data: Columns;
  /** Logarithmic loss axis (values of 0 or less are drawn at LOG_FLOOR and marked). */
  declare logY: boolean;
  /** Logarithmic x axis (sizes): ticks at the sizes measured (up to 8 of them), else at every decade. */
  declare logX: boolean;
  declare xLabel: string;
  declare yLabel: string;

  /** Per series, the rows whose value was clamped to the floor. */
  private clamped: Set<number>[] = [];

  constructor() {
    super();
    this.series = [{ label: "loss" }];
    this.data = [[], []];
    this.logY = false;
    this.logX = false;
    this.xLabel = "step";
    this.yLabel = "loss";
  }

  protected seriesKey(): string {
    return JSON.stringify([this.series, this.logY, this.logX, this.xLabel, this.yLabel]);
  }

  protected columns(): Columns {
    // A data array shorter than the series (before the first point) still needs one column per series.
    const x = this.data[0] ?? [];
    const ys = this.series.map((_, i) => this.data[i + 1] ?? new Array(x.length).fill(null));
    this.clamped = ys.map(() => new Set<number>());
    if (!this.logY) return [x, ...ys];
    return [
      x,
      ...ys.map((col, si) =>
        col.map((v, r) => {
          if (v === null || v === undefined || !(v < LOG_FLOOR)) return v ?? null;
          if (Number.isNaN(v)) return null;
          this.clamped[si]!.add(r);
          return LOG_FLOOR;
        }),
      ),
    ];
  }

  /** The latest value of series `si` at or before row `idx` (the legend off the plot). */
  private latest(u: uPlot, si: number, idx: number): { v: number; row: number } | null {
    const col = u.data[si] as (number | null)[] | undefined;
    if (!col) return null;
    for (let r = Math.min(idx, col.length - 1); r >= 0; r--)
      if (col[r] != null) return { v: col[r]!, row: r };
    return null;
  }

  /** The tick labels uPlot drew on axis `axis` (0: x, 1: y), as last drawn. */
  tickLabels(axis: number): string[] {
    const a = this.plot?.axes[axis] as { _values?: (string | number | null)[] } | undefined;
    return (a?._values ?? []).map((v) => String(v ?? ""));
  }

  /** The legend's values, in series order (without the x entry). */
  legendValues(): string[] {
    return [...this.renderRoot.querySelectorAll(".u-legend .u-series:not(:first-child) .u-value")].map(
      (e) => e.textContent ?? "",
    );
  }

  protected override afterData(u: uPlot): void {
    // Off the plot, the legend shows every series' last value.
    const last = () => {
      if (this.plot === u && (u.cursor.left === undefined || u.cursor.left < 0))
        u.setLegend({ idx: Math.max(0, u.data[0].length - 1) });
    };
    last();
    // A new plot draws (and resets its legend) after this call: set it again once drawn.
    requestAnimationFrame(last);
  }

  protected options(): Omit<uPlot.Options, "width" | "height"> {
    const value = (u: uPlot, v: number | null, si: number, idx: number | null) => {
      const hit = v == null ? (idx != null ? this.latest(u, si, idx) : null) : { v, row: idx ?? -1 };
      if (!hit || typeof hit.v !== "number") return "–";
      if (this.clamped[si - 1]?.has(hit.row)) return "0 (at the floor)";
      return fmt(hit.v);
    };
    const logAxis: Partial<uPlot.Axis> = {
      splits: (u: uPlot) => decades(u.scales.y!.min ?? LOG_FLOOR, u.scales.y!.max ?? 1),
      values: (_u: uPlot, splits: (number | null)[]) => splits.map((v) => (v == null ? "" : decadeLabel(v))),
      filter: (_u: uPlot, splits: number[]) => splits,
    };
    const xs = () => (this.data[0] ?? []).filter((v): v is number => v !== null && v > 0);
    const xAxis: Partial<uPlot.Axis> = this.logX
      ? {
          splits: (u: uPlot) => {
            const v = [...new Set(xs())].sort((a, b) => a - b);
            return v.length > 0 && v.length <= 8 ? v : decades(u.scales.x!.min ?? 1, u.scales.x!.max ?? 10);
          },
          values: (_u: uPlot, splits: (number | null)[]) =>
            splits.map((v) => (v == null ? "" : sizeLabel(v))),
          // Every tick keeps its label (uPlot's log filter would drop some).
          filter: (_u: uPlot, splits: number[]) => splits,
        }
      : {};
    return {
      scales: {
        x: this.logX
          ? {
              time: false,
              distr: 3,
              log: 10,
              range: (_u: uPlot, min: number, max: number) => [min / 1.5, max * 1.5],
            }
          : { time: false },
        y: this.logY
          ? {
              distr: 3,
              log: 10,
              // Whole decades, so every tick has a label.
              range: (_u: uPlot, min: number, max: number) => {
                const d = decades(min, max);
                return [d[0]!, d[d.length - 1]!];
              },
            }
          : {},
      },
      series: [
        { label: this.xLabel, value: (_u: uPlot, v: number | null) => (v == null ? "–" : String(v)) },
        ...this.series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length]!,
          width: s.width ?? 1.5,
          spanGaps: true,
          points: {
            // Every point on series marked `points`; elsewhere only the values clamped to the floor.
            show: (_u: uPlot, si: number) => !!s.points || (this.clamped[si - 1]?.size ?? 0) > 0,
            size: s.points ? 5 : 7,
            filter: (_u: uPlot, si: number) => (s.points ? null : [...(this.clamped[si - 1] ?? [])]),
          },
          ...(s.dash ? { dash: s.dash } : {}),
          value,
        })),
      ],
      axes: [
        { label: this.xLabel, ...xAxis },
        { label: this.yLabel, size: 60, ...(this.logY ? logAxis : {}) },
      ],
      legend: { show: true, live: true },
    };
  }
}

customElements.define("wb-loss-chart", WbLossChart);

declare global {
  interface HTMLElementTagNameMap {
    "wb-loss-chart": WbLossChart;
  }
}
