// <wb-experts-page>: five experts. Three models of nearly equal size (attention with 5 linear experts, ReLU
// 2→7→1, ReLU 2→4→3→1) train side by side on the same data: their losses, fits, parameter counts and errors in
// and beyond the training range next to each other.

import { css, html, nothing } from "lit";
import type { SettingName } from "../io/settings";
import type { TrainSettings } from "../io/types";
import { EXPERT_MODELS } from "./jobs/catalog";
import { linearTerms } from "./jobs/equations";
import { expertsPreview } from "./jobs/regression-jobs";
import { expertsReading } from "./readings";
import type { ExpertsSnapshot, FitChart, ModelView } from "./snapshots";
import { EXPERTS_ABOUT, EXPERTS_DEFAULTS } from "./stages";
import { TrainingPage } from "./training-page";
import "./wb-fit-chart";
import "./wb-model-view";

const num = (v: number) => (Number.isFinite(v) ? (v < 0.01 ? v.toExponential(1) : v.toFixed(3)) : String(v));

export class WbExpertsPage extends TrainingPage {
  constructor() {
    super("experts");
  }

  protected get model(): string {
    return "experts";
  }

  protected defaults(): TrainSettings {
    return { backend: "auto", seed: 1, ...EXPERTS_DEFAULTS };
  }

  protected get fields(): SettingName[] {
    return ["backend", "lr", "steps", "seed", "seeds"];
  }

  protected override archModels(): string[] {
    return EXPERT_MODELS.map((m) => m.name);
  }

  private comparison(views: ModelView[]) {
    return html`<table class="compare">
      <caption>Mean squared error of each model's best seed</caption>
      <thead><tr><th>model</th><th>parameters</th><th>training</th><th>held-out (x 1-5)</th><th>beyond (x 5-10)</th></tr></thead>
      <tbody>
        ${views.map((v) => {
          const s = v.seeds.find((r) => r.index === v.shown) ?? v.seeds[0]!;
          return html`<tr><td>${v.name} <small>(${v.description})</small></td><td>${v.params}</td>
            <td>${num(s.train)}</td><td>${num(s.test)}</td><td><strong>${num(s.outOfRange)}</strong></td></tr>`;
        })}
      </tbody>
    </table>`;
  }

  private previewSeed = -1;
  private previewFit: FitChart | null = null;

  private preview(): FitChart {
    const seed = this.training.settings?.seed ?? 1;
    if (seed !== this.previewSeed || !this.previewFit) {
      this.previewSeed = seed;
      this.previewFit = expertsPreview(seed);
    }
    return this.previewFit;
  }

  private onShowSeed(e: CustomEvent<{ index: number }>): void {
    this.training.requestSnapshot({ seed: e.detail.index });
  }

  override render() {
    const snap = this.training.snapshot as ExpertsSnapshot | null;
    const ok = snap?.kind === "experts";
    const reading = ok ? expertsReading(snap) : null;
    return html`
      <p class="about" ?data-default-only=${this.archEdited}>${EXPERTS_ABOUT}</p>
      ${this.defaultsNote({ measured: "Measured on the default", reading: "the reading below", shown: reading !== null })}
      ${reading ? html`<p class="reading ${reading.tone}" role="status">${reading.text}</p>` : nothing}
      ${this.panel()}
      <div class="top">
        <div>${this.lossChart()}</div>
        <div>
          <h2>Side by side</h2>
          ${ok ? this.comparison(snap.views) : html`<p class="hint">Errors appear here while the models train.</p>`}
          ${
            ok
              ? html`<p class="truth">The five true relationships (selector s → line):
                  ${snap.lines.map((l, k) => html`<span>s = ${+l.s.toFixed(2)}: y = ${linearTerms(["x"], [l.slope], l.intercept)}${k < snap.lines.length - 1 ? "; " : ""}</span>`)}</p>`
              : nothing
          }
        </div>
      </div>
      <div class="views">
        ${
          ok
            ? snap.views.map(
                (v) =>
                  html`<wb-model-view .view=${v} compact x-label="x" @wb-show-seed=${this.onShowSeed}></wb-model-view>`,
              )
            : html`<div class="preview-box"><h3>The data</h3><wb-fit-chart class="preview" .fit=${this.preview()} x-label="x" y-label="y"></wb-fit-chart>
              <p class="hint">Training rows (x 1-5, filled), rows beyond (x 5-10, open) and the five true lines (dashed); each model's fit appears when it trains.</p></div>`
        }
      </div>
    `;
  }

  static override styles = [
    TrainingPage.sharedStyles,
    css`
      .top { display: grid; grid-template-columns: minmax(300px, 1fr) minmax(300px, 1fr); gap: 1.5em; }
      .views { display: grid; grid-template-columns: repeat(3, minmax(280px, 1fr)); gap: 1.2em; margin-top: 1em; }
      @media (max-width: 1000px) { .top, .views { grid-template-columns: 1fr; } }
      .compare small { color: #555; }
      .views > .preview-box { grid-column: 1 / -1; max-width: 720px; }
      .top > *, .views > * { min-width: 0; }
      caption { text-align: left; color: #555; }
      .truth { font-size: 13px; color: #333; }
    `,
  ];
}

customElements.define("wb-experts-page", WbExpertsPage);
