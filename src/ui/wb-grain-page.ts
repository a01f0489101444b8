// <wb-grain-page>: the grain mixture, stage by stage as the seed article tells it. For the chosen stage: the
// trainer panel, train and held-out loss, the data and the model's predictions per grain (also beyond the
// training range), the learned equations, and the weight each grain gives each expert.

import { css, html, nothing } from "lit";
import type { SettingName } from "../io/settings";
import type { TrainSettings } from "../io/types";
import { modelEntry } from "../models/registry";
import { grainPreview } from "./jobs/regression-jobs";
import { grainReading } from "./readings";
import type { FitChart, GrainSnapshot } from "./snapshots";
import { GRAIN_STAGES, stageInfo } from "./stages";
import { TrainingPage } from "./training-page";
import { URL_SETTINGS } from "./url-state";
import "./wb-fit-chart";
import "./wb-model-view";

export class WbGrainPage extends TrainingPage {
  static override properties = { stage: { type: String } };

  /** The stage shown, by name (line, plane, relu2, relu10, poly, switch, grain-attention). */
  declare stage: string;

  constructor() {
    super("grain");
    this.stage = GRAIN_STAGES[0]!.name;
  }

  protected get model(): string {
    return this.stage;
  }

  protected defaults(): TrainSettings {
    return { backend: "auto", seed: 1, ...stageInfo(this.stage).defaults };
  }

  protected get fields(): SettingName[] {
    return ["backend", "lr", "steps", "seed", "seeds"];
  }

  protected override acceptsModel(model: string): boolean {
    return GRAIN_STAGES.some((s) => s.name === model);
  }

  protected override adoptModel(model: string): void {
    this.stage = model;
  }

  protected override archModels(): string[] {
    return modelEntry(this.stage).arch ? [this.stage] : [];
  }

  protected override objectiveOf(name: string): string | null {
    return name === "switch" ? "MSE + the classifier's cross-entropy on the grain labels" : null;
  }

  private choose(name: string): void {
    if (name === this.stage) return;
    this.stage = name;
    const url = new URL(location.href);
    url.searchParams.set("stage", name);
    // Another stage has its own defaults: the last stage's settings leave the link.
    for (const n of URL_SETTINGS) url.searchParams.delete(n);
    history.replaceState(null, "", url);
    void this.switchModel();
  }

  override render() {
    const info = stageInfo(this.stage);
    const snap = this.training.snapshot as GrainSnapshot | null;
    const view = snap?.kind === "grain" && snap.stage === this.stage ? snap.view : null;
    const reading = view && snap ? grainReading(snap) : null;
    return html`
      <nav class="stages" aria-label="stages of the grain story">
        ${GRAIN_STAGES.map(
          (s) => html`<button type="button" aria-pressed=${s.name === this.stage ? "true" : "false"}
            @click=${() => this.choose(s.name)}>${s.title}</button>`,
        )}
      </nav>
      <p class="about" ?data-default-only=${this.archEdited}>${info.about}</p>
      ${this.defaultsNote({ measured: "Measured on the default", reading: "the reading below", shown: reading !== null })}
      ${reading ? html`<p class="reading ${reading.tone}" role="status">${reading.text}</p>` : nothing}
      <p class="data">Data: ${info.grains.join(" and ")} ${info.grains.length > 1 ? "grains" : "grain"}, x from 1 to 5 cups
        (held-out rows too); the chart also shows rows with x from 5 to 10 cups, which training never sees.</p>
      ${this.panel()}
      <div class="grid">
        <div>${this.lossChart()}</div>
        <div>
          <h2>Data and predictions</h2>
          ${
            view
              ? html`<wb-model-view .view=${view} @wb-show-seed=${this.onShowSeed}></wb-model-view>`
              : html`<wb-fit-chart class="preview" .fit=${this.preview()}></wb-fit-chart>
                <p class="hint">The data and the true lines (dashed); the model's curve appears when it trains.</p>`
          }
        </div>
      </div>
    `;
  }

  private previewKey = "";
  private previewFit: FitChart | null = null;

  /** The stage's data and true lines, before any run. */
  private preview(): FitChart {
    const seed = this.training.settings?.seed ?? 1;
    const key = `${this.stage}:${seed}`;
    if (key !== this.previewKey || !this.previewFit) {
      this.previewKey = key;
      this.previewFit = grainPreview(this.stage, seed);
    }
    return this.previewFit;
  }

  private onShowSeed(e: CustomEvent<{ index: number }>): void {
    this.training.requestSnapshot({ seed: e.detail.index });
  }

  static override styles = [
    TrainingPage.sharedStyles,
    css`
      .stages { display: flex; flex-wrap: wrap; gap: 0.3em; margin-bottom: 0.5em; }
      .stages button { font: inherit; padding: 3px 10px; border: 1px solid #888; background: #fff; border-radius: 3px; }
      .stages button[aria-pressed="true"] { background: #0072b2; color: #fff; border-color: #0072b2; }
      .about { font-size: 1.05em; margin: 0.3em 0; }
      .data { color: #444; font-size: 13px; margin: 0 0 0.6em; }
      .grid { display: grid; grid-template-columns: minmax(300px, 1fr) minmax(360px, 1.3fr); gap: 1.5em; }
      @media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
    `,
  ];
}

customElements.define("wb-grain-page", WbGrainPage);
