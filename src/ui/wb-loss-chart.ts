// <wb-loss-chart>: loss curves against training steps (uPlot).
//
//   chart.series = [{ label: "train" }, { label: "test", dash: [6, 4] }];
//   chart.data = [[0, 1, 2], [3.1, 2.5, 2.2], [null, null, 2.4]];   // [steps, ...one column per series]
//
// Columns may hold null where a series has no value (held-out losses are measured less often); the line spans
// the gap. Set `data` to a new array to redraw; redraws are coalesced to one per animation frame.

import type uPlot from "uplot";
import { type Columns, PALETTE, PlotElement } from "./plot-base";

export interface LossSeries {
  label: string;
  /** CSS colour; defaults to the palette in order. */
  color?: string;
  /** Canvas line dash, e.g. [6, 4] for held-out losses. */
  dash?: number[];
}

export class WbLossChart extends PlotElement {
  static override properties = {
    ...PlotElement.properties,
    series: { attribute: false },
    data: { attribute: false },
    logY: { type: Boolean, attribute: "log-y" },
    xLabel: { type: String, attribute: "x-label" },
    yLabel: { type: String, attribute: "y-label" },
  };

  declare series: LossSeries[];
  /** [steps, ...ys]: columnar, one column per series, all of equal length. */
  declare data: Columns;
  /** Logarithmic loss axis (losses must then be > 0). */
  declare logY: boolean;
  declare xLabel: string;
  declare yLabel: string;

  constructor() {
    super();
    this.series = [{ label: "loss" }];
    this.data = [[], []];
    this.logY = false;
    this.xLabel = "step";
    this.yLabel = "loss";
  }

  protected seriesKey(): string {
    return JSON.stringify([this.series, this.logY, this.xLabel, this.yLabel]);
  }

  protected columns(): Columns {
    // A data array shorter than the series (before the first point) still needs one column per series.
    const x = this.data[0] ?? [];
    return [x, ...this.series.map((_, i) => this.data[i + 1] ?? new Array(x.length).fill(null))];
  }

  protected options(): Omit<uPlot.Options, "width" | "height"> {
    return {
      scales: { x: { time: false }, y: this.logY ? { distr: 3 } : {} },
      series: [
        { label: this.xLabel },
        ...this.series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length]!,
          width: 1.5,
          spanGaps: true,
          points: { show: false },
          ...(s.dash ? { dash: s.dash } : {}),
          value: (_u: uPlot, v: number | null) => (v === null ? "–" : v.toPrecision(4)),
        })),
      ],
      axes: [{ label: this.xLabel }, { label: this.yLabel, size: 60 }],
      legend: { show: true },
    };
  }
}

customElements.define("wb-loss-chart", WbLossChart);

declare global {
  interface HTMLElementTagNameMap {
    "wb-loss-chart": WbLossChart;
  }
}
