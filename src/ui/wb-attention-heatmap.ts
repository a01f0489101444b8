// <wb-attention-heatmap>: a matrix of weights in [0, 1] drawn on a canvas, rows labelled on the left and columns
// on top; darker is more weight. For attention, a row is a query and its cells are the weights it gives each key.
//
//   map.weights = [[1, 0], [0.3, 0.7]];
//   map.rowLabels = ["WHITE", "3"];      // queries
//   map.colLabels = ["WHITE", "3"];      // keys
//   map.caption = "layer 1, head 2";

import { css, html, LitElement } from "lit";

export class WbAttentionHeatmap extends LitElement {
  static override properties = {
    weights: { attribute: false },
    rowLabels: { attribute: false },
    colLabels: { attribute: false },
    caption: { type: String },
    cell: { type: Number },
    showValues: { type: Boolean, attribute: "show-values" },
  };

  /** rows × columns, values in [0, 1] (values outside are clamped for the colour). */
  declare weights: number[][];
  declare rowLabels: string[];
  declare colLabels: string[];
  declare caption: string;
  /** Cell size in CSS pixels. */
  declare cell: number;
  /** Print each value in its cell (readable for small matrices). */
  declare showValues: boolean;

  constructor() {
    super();
    this.weights = [];
    this.rowLabels = [];
    this.colLabels = [];
    this.caption = "";
    this.cell = 28;
    this.showValues = false;
  }

  static override styles = css`
    :host { display: inline-block; font: 12px/1.3 system-ui, sans-serif; }
    figure { margin: 0; }
    figcaption { font-weight: 600; margin-bottom: 2px; }
    canvas { display: block; }
    .hover { margin: 2px 0 0; min-height: 1.3em; color: #333; font-variant-numeric: tabular-nums; }
  `;

  override render() {
    const rows = this.weights.length;
    const cols = this.weights[0]?.length ?? 0;
    const label = `${this.caption || "weights"}: ${rows} by ${cols} matrix`;
    return html`<figure>
      ${this.caption ? html`<figcaption>${this.caption}</figcaption>` : ""}
      <canvas role="img" aria-label=${label} @pointermove=${this.onMove} @pointerleave=${this.onLeave}></canvas>
      <p class="hover" aria-live="polite">${this.hovered || "\u00a0"}</p>
    </figure>`;
  }

  protected override updated(): void {
    this.draw();
  }

  /** The exact weight under the pointer and the row and column it belongs to ("" when off the cells). */
  hovered = "";
  private geometry = { left: 0, top: 0, cell: 28 };

  private onMove = (e: PointerEvent) => {
    const { left, top, cell } = this.geometry;
    const i = Math.floor((e.offsetY - top) / cell);
    const j = Math.floor((e.offsetX - left) / cell);
    const w = this.weights[i]?.[j];
    const text =
      w === undefined || e.offsetX < left || e.offsetY < top
        ? ""
        : `${this.rowLabels[i] ?? `row ${i + 1}`} → ${this.colLabels[j] ?? `column ${j + 1}`}: ${w.toPrecision(4)}`;
    if (text !== this.hovered) {
      this.hovered = text;
      this.requestUpdate();
    }
  };

  private onLeave = () => {
    if (!this.hovered) return;
    this.hovered = "";
    this.requestUpdate();
  };

  /** Which canvas pixel colour a weight gets: white (0) to dark blue (1). */
  static colour(w: number): string {
    const t = Math.min(1, Math.max(0, Number.isFinite(w) ? w : 0));
    const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
    return `rgb(${mix(247, 8)}, ${mix(251, 48)}, ${mix(255, 107)})`;
  }

  private draw(): void {
    const canvas = this.renderRoot.querySelector("canvas");
    const ctx = canvas?.getContext("2d");
    if (!canvas || !ctx) return;
    const rows = this.weights.length;
    const cols = this.weights[0]?.length ?? 0;
    const c = this.cell;
    const font = "11px system-ui, sans-serif";
    ctx.font = font;
    const rowW =
      Math.ceil(Math.max(0, ...this.rowLabels.map((l) => ctx.measureText(l).width))) + (rows ? 6 : 0);
    const colH =
      Math.ceil(Math.max(0, ...this.colLabels.map((l) => ctx.measureText(l).width))) + (cols ? 6 : 0);
    // Column labels are written upwards when they do not fit across a cell.
    const vertical = this.colLabels.some((l) => ctx.measureText(l).width > c - 2);
    const top = this.colLabels.length ? (vertical ? colH : 16) : 0;
    this.geometry = { left: rowW, top, cell: c };
    const width = rowW + cols * c;
    const height = top + rows * c;
    const dpr = globalThis.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(width * dpr));
    canvas.height = Math.max(1, Math.round(height * dpr));
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = font;
    ctx.fillStyle = "#222";
    ctx.textBaseline = "middle";
    ctx.textAlign = "right";
    this.rowLabels.forEach((l, i) => {
      ctx.fillText(l, rowW - 4, top + i * c + c / 2);
    });
    this.colLabels.forEach((l, j) => {
      const x = rowW + j * c + c / 2;
      if (vertical) {
        ctx.save();
        ctx.translate(x, top - 3);
        ctx.rotate(-Math.PI / 2);
        ctx.textAlign = "left";
        ctx.fillText(l, 0, 0);
        ctx.restore();
      } else {
        ctx.textAlign = "center";
        ctx.fillText(l, x, top / 2);
      }
    });
    ctx.textAlign = "center";
    this.weights.forEach((row, i) => {
      row.forEach((w, j) => {
        ctx.fillStyle = WbAttentionHeatmap.colour(w);
        ctx.fillRect(rowW + j * c, top + i * c, c - 1, c - 1);
        if (this.showValues) {
          ctx.fillStyle = w > 0.5 ? "#fff" : "#222";
          ctx.fillText(w.toFixed(2), rowW + j * c + c / 2, top + i * c + c / 2);
        }
      });
    });
  }
}

customElements.define("wb-attention-heatmap", WbAttentionHeatmap);

declare global {
  interface HTMLElementTagNameMap {
    "wb-attention-heatmap": WbAttentionHeatmap;
  }
}
