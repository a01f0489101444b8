// Shared life cycle of the uPlot elements: the plot is created once (when the element first renders, or again
// when the series themselves change), data updates are coalesced to one setData per animation frame, the width
// follows the element, and the plot is destroyed when the element leaves the page.

import { css, html, LitElement, type PropertyValues, unsafeCSS } from "lit";
import uPlot from "uplot";
import uplotCss from "uplot/dist/uPlot.min.css?inline";

export type Columns = (number | null)[][];

/** Colours for series and groups, distinguishable with common colour-vision deficiencies (Okabe-Ito). */
export const PALETTE = [
  "#0072b2",
  "#d55e00",
  "#009e73",
  "#cc79a7",
  "#e69f00",
  "#56b4e9",
  "#000000",
  "#f0e442",
];

export abstract class PlotElement extends LitElement {
  static override properties = { height: { type: Number } };

  /** Plot height in CSS pixels (the width follows the element). */
  declare height: number;

  protected plot: uPlot | null = null;
  private frame = 0;
  private resize: ResizeObserver | null = null;

  constructor() {
    super();
    this.height = 260;
  }

  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host { display: block; min-width: 0; max-width: 100%; font: 13px/1.3 system-ui, sans-serif; }
      :host([hidden]) { display: none; }
      .plot { width: 100%; overflow: hidden; }
      .empty { color: #666; padding: 1em 0; }
    `,
  ];

  /** uPlot options for the current series (without width/height). */
  protected abstract options(): Omit<uPlot.Options, "width" | "height">;
  /** The columns to draw: [x, ...ys], every column of equal length. */
  protected abstract columns(): Columns;
  /** Called after the plot has new data (built or setData). */
  protected afterData(_u: uPlot): void {}
  /** A key that changes when the series (not just their values) change, forcing a new plot. */
  protected abstract seriesKey(): string;

  private key = "";

  /** Points in the plot's x column (what was last handed to uPlot). */
  get renderedPoints(): number {
    return this.plot?.data[0]?.length ?? 0;
  }

  override render() {
    return html`<div class="plot" part="plot"></div>`;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Re-attached after a removal: build the plot again (the first connection builds it in updated()).
    if (this.hasUpdated) this.rebuild();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.resize?.disconnect();
    this.resize = null;
    this.plot?.destroy();
    this.plot = null;
  }

  protected override updated(changed: PropertyValues): void {
    if (!this.plot || this.seriesKey() !== this.key || changed.has("height")) this.rebuild();
    else this.schedule();
  }

  private rebuild(): void {
    const host = this.renderRoot.querySelector<HTMLDivElement>(".plot");
    if (!host || !this.isConnected) return;
    this.plot?.destroy();
    this.key = this.seriesKey();
    const width = Math.max(200, host.clientWidth || this.clientWidth || 600);
    this.plot = new uPlot(
      { ...this.options(), width, height: this.height } as uPlot.Options,
      this.columns() as uPlot.AlignedData,
      host,
    );
    this.afterData(this.plot);
    this.resize ??= new ResizeObserver(() => {
      const w = Math.max(200, host.clientWidth);
      if (this.plot && Math.abs(this.plot.width - w) > 1)
        this.plot.setSize({ width: w, height: this.height });
    });
    this.resize.observe(host);
  }

  /** At most one setData per animation frame, however often the data property changes. */
  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (!this.plot) return;
      this.plot.setData(this.columns() as uPlot.AlignedData);
      this.afterData(this.plot);
    });
  }
}
