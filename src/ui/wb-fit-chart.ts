// <wb-fit-chart>: the data and a model's predictions per group (grain or expert) against x, uPlot.
// Filled dots: training rows (x in 1-5); open dots: rows beyond the training range; dashed thin line: the true
// relationship; solid line: the model. One colour per group.
//
//   chart.fit = { xs: [...], groups: ["white", "brown"], series: [{ label, group, kind, values }, ...] };

import { css, html } from "lit";
import type uPlot from "uplot";
import { type Columns, PALETTE, PlotElement } from "./plot-base";
import type { FitChart } from "./snapshots";

export class WbFitChart extends PlotElement {
  static override properties = {
    ...PlotElement.properties,
    fit: { attribute: false },
    xLabel: { type: String, attribute: "x-label" },
    yLabel: { type: String, attribute: "y-label" },
  };

  declare fit: FitChart | null;
  declare xLabel: string;
  declare yLabel: string;

  constructor() {
    super();
    this.fit = null;
    this.xLabel = "cups of grain x";
    this.yLabel = "cups of water y";
    this.height = 300;
  }

  static override styles = [
    ...PlotElement.styles,
    css`
      .legend { display: flex; flex-wrap: wrap; gap: 0.3em 1.2em; font-size: 12px; color: #333; margin-top: 2px; }
      .sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
    `,
  ];

  override render() {
    const groups = this.fit?.groups ?? [];
    return html`<div class="plot" part="plot"></div>
      <div class="legend">
        ${groups.map((g, i) => html`<span><span class="sw" style="background:${PALETTE[i % PALETTE.length]}"></span>${g}</span>`)}
        <span>● data (x 1-5)</span><span>○ beyond the training range</span><span>┄ truth</span><span>━ model</span>
      </div>`;
  }

  protected seriesKey(): string {
    return JSON.stringify([
      this.fit?.series.map((s) => [s.label, s.kind, s.group]),
      this.xLabel,
      this.yLabel,
    ]);
  }

  protected columns(): Columns {
    if (!this.fit) return [[]];
    return [this.fit.xs, ...this.fit.series.map((s) => s.values)];
  }

  protected options(): Omit<uPlot.Options, "width" | "height"> {
    const series: uPlot.Series[] = (this.fit?.series ?? []).map((s) => {
      const color = PALETTE[s.group % PALETTE.length]!;
      switch (s.kind) {
        case "train":
          return {
            label: s.label,
            stroke: color,
            paths: () => null,
            points: { show: true, size: 5, fill: color },
          };
        case "outOfRange":
          return {
            label: s.label,
            stroke: color,
            paths: () => null,
            points: { show: true, size: 6, fill: "#fff", width: 1.5 },
          };
        case "truth":
          return { label: s.label, stroke: color, width: 1, dash: [4, 4], points: { show: false } };
        default:
          return { label: s.label, stroke: color, width: 2.5, points: { show: false } };
      }
    });
    return {
      scales: { x: { time: false } },
      series: [{ label: this.xLabel, value: (_u, v) => (v === null ? "–" : v.toFixed(2)) }, ...series],
      axes: [{ label: this.xLabel }, { label: this.yLabel, size: 50 }],
      legend: { show: false },
    };
  }
}

customElements.define("wb-fit-chart", WbFitChart);

declare global {
  interface HTMLElementTagNameMap {
    "wb-fit-chart": WbFitChart;
  }
}
