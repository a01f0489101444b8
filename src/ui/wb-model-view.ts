// <wb-model-view>: one trained regression model as the grain and experts pages show it: the fit chart, its
// held-out and beyond-range errors, the seeds ranked (choosing one shows it), the learned equations and the gate
// weights each group gives the experts. Emits `wb-show-seed` {index} when a seed is chosen.

import { css, html, LitElement, nothing } from "lit";
import type { ModelView } from "./snapshots";
import "./wb-attention-heatmap";
import "./wb-fit-chart";
import "./wb-surface";

/** The grains' darkness, drawn across the surface. */
const SURFACE_MARKS = [
  { b: 0, label: "white" },
  { b: 0.5, label: "brown" },
  { b: 1, label: "franken" },
];

const num = (v: number) => (Number.isFinite(v) ? (v < 0.01 ? v.toExponential(1) : v.toFixed(3)) : String(v));

export class WbModelView extends LitElement {
  static override properties = {
    view: { attribute: false },
    compact: { type: Boolean },
    xLabel: { type: String, attribute: "x-label" },
  };

  declare view: ModelView | null;
  /** Narrow layout for side-by-side use: fewer seed rows. */
  declare compact: boolean;
  declare xLabel: string;

  constructor() {
    super();
    this.view = null;
    this.compact = false;
    this.xLabel = "cups of grain x";
  }

  private show(index: number): void {
    this.dispatchEvent(new CustomEvent("wb-show-seed", { detail: { index }, bubbles: true, composed: true }));
  }

  override render() {
    const v = this.view;
    if (!v) return html`<p class="hint">No model yet.</p>`;
    const shown = v.seeds.find((s) => s.index === v.shown) ?? v.seeds[0]!;
    return html`
      <h3>${v.name} <small>${v.params} parameters · ${v.description}</small></h3>
      <wb-fit-chart .fit=${v.fit} .xLabel=${this.xLabel}></wb-fit-chart>
      ${
        v.surface
          ? html`<h4>Output over the whole plane (seed ${shown.seed})</h4>
            <wb-surface .surface=${v.surface} .marks=${SURFACE_MARKS.filter((m) => v.fit.groups.includes(m.label))}></wb-surface>`
          : nothing
      }
      <p class="errors">
        Seed ${shown.seed}: mean squared error <strong>${num(shown.train)}</strong> training,
        <strong>${num(shown.test)}</strong> held-out (x in 1-5), <strong>${num(shown.outOfRange)}</strong> beyond (x in 5-10).
      </p>
      ${v.seeds.length > 1 ? this.seedTable(v) : nothing}
      <h4>Learned equations (seed ${shown.seed})</h4>
      <pre class="eq" @mouseleave=${() => this.hoverUnit("")}>${v.equations.map((line, i) => html`${i ? "\n" : ""}${this.equationLine(line)}`)}</pre>
      ${
        v.gates
          ? html`<h4>Which expert each group selects</h4>
            <wb-attention-heatmap .weights=${v.gates.values} .rowLabels=${v.gates.rows} .colLabels=${v.gates.cols}
              .caption=${v.gates.title} show-values cell="44"></wb-attention-heatmap>`
          : nothing
      }
    `;
  }

  /** The unit (h2, or the i of sᵢ and rᵢ) whose coefficients are highlighted, "" for none. */
  private hovered = "";

  /** A unit's key: h2 → "h2"; s3 and r3 (one expert's score and value) → "3"; p1 → "p1". */
  private static unitKey(name: string): string {
    return /^[sr]\d+$/.test(name) ? name.slice(1) : name;
  }

  private hoverUnit(name: string): void {
    const key = name ? WbModelView.unitKey(name) : "";
    if (key === this.hovered) return;
    this.hovered = key;
    this.requestUpdate();
  }

  /** One equation with its unit names as hover targets: the line that defines the unit and every use light up. */
  private equationLine(line: string) {
    const defined = /^([a-z]\d+) =/.exec(line)?.[1];
    const own = defined !== undefined && WbModelView.unitKey(defined) === this.hovered && this.hovered !== "";
    const parts = line.split(/([a-z]\d+)/);
    return html`<span class=${own ? "line hl" : "line"}>${parts.map((p, i) =>
      i % 2 === 1
        ? html`<span class=${WbModelView.unitKey(p) === this.hovered ? "unit hl" : "unit"} data-unit=${p}
            @mouseenter=${() => this.hoverUnit(p)}>${p}</span>`
        : p,
    )}</span>`;
  }

  private seedTable(v: ModelView) {
    const rows = this.compact ? v.seeds.slice(0, 4) : v.seeds;
    return html`<table>
      <caption>Seeds, best training loss first${rows.length < v.seeds.length ? ` (top ${rows.length} of ${v.seeds.length})` : ""}</caption>
      <thead><tr><th>seed</th><th>train</th><th>held-out</th><th>beyond</th><th></th></tr></thead>
      <tbody>
        ${rows.map(
          (s) => html`<tr class=${s.index === v.shown ? "shown" : ""}>
            <td>${s.seed}</td><td>${num(s.train)}</td><td>${num(s.test)}</td><td>${num(s.outOfRange)}</td>
            <td>${
              s.index === v.shown
                ? html`<span>shown</span>`
                : html`<button type="button" @click=${() => this.show(s.index)} aria-label=${`show seed ${s.seed}`}>show</button>`
            }</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  static override styles = css`
    :host { display: block; font: 14px/1.45 system-ui, sans-serif; }
    h3 { margin: 0.6em 0 0.2em; font-size: 1.05em; }
    h3 small { font-weight: 400; color: #555; }
    h4 { margin: 0.8em 0 0.2em; font-size: 0.95em; }
    .errors { margin: 0.3em 0; }
    .unit { cursor: default; border-bottom: 1px dotted #888; }
    .unit.hl, .line.hl { background: #fde9a9; }
    pre.eq { font: 13px/1.5 ui-monospace, monospace; background: #f5f5f5; padding: 0.5em 0.8em; margin: 0; white-space: pre-wrap; }
    table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; margin: 0.4em 0; }
    caption { text-align: left; color: #555; }
    th, td { padding: 1px 8px; border-bottom: 1px solid #ddd; text-align: right; }
    tr.shown td { background: #eef5fb; font-weight: 600; }
    button { font: inherit; padding: 0 6px; }
    .hint { color: #555; font-style: italic; }
  `;
}

customElements.define("wb-model-view", WbModelView);

declare global {
  interface HTMLElementTagNameMap {
    "wb-model-view": WbModelView;
  }
}
