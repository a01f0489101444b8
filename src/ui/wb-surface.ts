// <wb-surface>: a model's output over its whole input plane (cups x across, darkness z up) as a heatmap with
// contour lines, on a canvas. Colours follow viridis (readable with common colour-vision deficiencies and in grey);
// contours are drawn at round levels (marching squares) and labelled; `marks` draws horizontal reference lines
// (the grains' darkness) and the training range is outlined.
//
//   el.surface = { xs: [0, 0.25, …], bs: [0, 0.05, …], bLabel: "darkness z", values: [[…], …] }; // values[j][i]
//   el.marks = [{ b: 0, label: "white" }, { b: 0.5, label: "brown" }];

import { css, html, LitElement, type PropertyValues } from "lit";
import { contourLevels, contourSegments, viridis } from "./contours";
import type { Surface } from "./snapshots";

export class WbSurface extends LitElement {
  static override properties = {
    surface: { attribute: false },
    marks: { attribute: false },
    xLabel: { type: String, attribute: "x-label" },
    zLabel: { type: String, attribute: "z-label" },
  };

  declare surface: Surface | null;
  declare marks: { b: number; label: string }[];
  declare xLabel: string;
  /** What the colour means. */
  declare zLabel: string;

  /** The contour levels last drawn (tests and captions read them). */
  levels: number[] = [];

  constructor() {
    super();
    this.surface = null;
    this.marks = [];
    this.xLabel = "cups of grain x";
    this.zLabel = "predicted cups of water";
  }

  override render() {
    const s = this.surface;
    const lo = s ? Math.min(...s.values.flat()) : 0;
    const hi = s ? Math.max(...s.values.flat()) : 1;
    this.levels = s ? contourLevels(lo, hi) : [];
    return html`<canvas role="img" aria-label=${`${this.zLabel} over ${this.xLabel} and ${s?.bLabel ?? ""}`}></canvas>
      <p class="scale"><span class="bar"></span> ${this.zLabel}: ${lo.toFixed(1)} (dark) to ${hi.toFixed(1)} (light); white lines: contours
        every ${this.levels.length > 1 ? +(this.levels[1]! - this.levels[0]!).toPrecision(3) : "–"}; dashed: the training range (x 1-5).</p>`;
  }

  protected override updated(_changed: PropertyValues): void {
    this.draw();
  }

  private draw(): void {
    const canvas = this.renderRoot.querySelector("canvas");
    const s = this.surface;
    if (!canvas || !s) return;
    const W = Math.max(240, Math.min(560, this.clientWidth || 480));
    const H = 220;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = W * dpr;
    canvas.height = H * dpr;
    canvas.style.width = `${W}px`;
    canvas.style.height = `${H}px`;
    const g = canvas.getContext("2d");
    if (!g) return;
    g.scale(dpr, dpr);
    const L = 44;
    const B = 34;
    const T = 8;
    const R = 64;
    const pw = W - L - R;
    const ph = H - T - B;
    const nx = s.xs.length;
    const nb = s.bs.length;
    const flat = s.values.flat().filter(Number.isFinite);
    const lo = Math.min(...flat);
    const hi = Math.max(...flat);
    const X = (i: number) => L + (i / (nx - 1)) * pw;
    const Y = (j: number) => T + ph - (j / (nb - 1)) * ph;
    // Cells: one rectangle per grid point, centred on it.
    const cw = pw / (nx - 1);
    const ch = ph / (nb - 1);
    for (let j = 0; j < nb; j++) {
      for (let i = 0; i < nx; i++) {
        const [r, gg, b] = viridis((s.values[j]![i]! - lo) / Math.max(1e-12, hi - lo));
        g.fillStyle = `rgb(${r},${gg},${b})`;
        g.fillRect(X(i) - cw / 2, Y(j) - ch / 2, cw + 0.5, ch + 0.5);
      }
    }
    g.save();
    g.beginPath();
    g.rect(L, T, pw, ph);
    g.clip();
    // Contours (levels from render).
    g.strokeStyle = "rgba(255,255,255,0.9)";
    g.lineWidth = 1;
    g.font = "10px system-ui, sans-serif";
    g.fillStyle = "#fff";
    for (const level of this.levels) {
      const segs = contourSegments(s.values, level);
      g.beginPath();
      for (const [i0, j0, i1, j1] of segs) {
        g.moveTo(X(i0), Y(j0));
        g.lineTo(X(i1), Y(j1));
      }
      g.stroke();
      const mid = segs[Math.floor(segs.length / 2)];
      if (mid) g.fillText(String(level), X(mid[0]) + 2, Y(mid[1]) - 2);
    }
    // Training range x ∈ [1, 5].
    const xi = (x: number) => ((x - s.xs[0]!) / (s.xs[nx - 1]! - s.xs[0]!)) * (nx - 1);
    g.setLineDash([4, 3]);
    g.strokeStyle = "rgba(255,255,255,0.8)";
    g.strokeRect(X(xi(1)), T, X(xi(5)) - X(xi(1)), ph);
    g.restore();
    // Reference lines (grains).
    const bj = (b: number) => ((b - s.bs[0]!) / (s.bs[nb - 1]! - s.bs[0]!)) * (nb - 1);
    g.setLineDash([6, 3]);
    g.strokeStyle = "#111";
    g.fillStyle = "#111";
    g.font = "11px system-ui, sans-serif";
    for (const m of this.marks) {
      const y = Y(bj(m.b));
      g.beginPath();
      g.moveTo(L, y);
      g.lineTo(L + pw, y);
      g.stroke();
      g.fillText(m.label, L + pw + 4, y + 4);
    }
    g.setLineDash([]);
    // Axes.
    g.fillStyle = "#222";
    g.textAlign = "center";
    for (let x = 0; x <= 10; x += 2) g.fillText(String(x), X(xi(x)), T + ph + 13);
    g.fillText(this.xLabel, L + pw / 2, H - 4);
    g.textAlign = "right";
    for (const b of [s.bs[0]!, (s.bs[0]! + s.bs[nb - 1]!) / 2, s.bs[nb - 1]!])
      g.fillText(String(+b.toFixed(2)), L - 4, Y(bj(b)) + 4);
    g.save();
    g.translate(11, T + ph / 2);
    g.rotate(-Math.PI / 2);
    g.textAlign = "center";
    g.fillText(s.bLabel, 0, 0);
    g.restore();
  }

  static override styles = css`
    :host { display: block; min-width: 0; }
    canvas { display: block; max-width: 100%; }
    .scale { font-size: 12px; color: #333; margin: 2px 0 0; }
    .bar { display: inline-block; width: 60px; height: 9px; vertical-align: -1px;
      background: linear-gradient(to right, #440154, #3b528b, #21918c, #5ec962, #fde725); }
  `;
}

customElements.define("wb-surface", WbSurface);

declare global {
  interface HTMLElementTagNameMap {
    "wb-surface": WbSurface;
  }
}
