// <wb-transformer-page>: a small transformer learns the recipe language (the water amount after WATER depends
// on the last grain word named and the amount, wherever they stand in the sentence). Training curves, held-out accuracy,
// sample predictions, and every layer's and head's attention on a chosen sentence, refreshed as it trains.

import { css, html } from "lit";
import type { SettingName } from "../io/settings";
import type { TrainSettings } from "../io/types";
import type { SentenceView, TransformerSnapshot } from "./snapshots";
import { TRANSFORMER_DEFAULTS } from "./stages";
import { TrainingPage } from "./training-page";
import "./wb-attention-heatmap";

export class WbTransformerPage extends TrainingPage {
  static override properties = { sentence: { type: Number } };

  /** Index of the held-out sentence whose attention is shown. */
  declare sentence: number;

  constructor() {
    super("transformer");
    this.sentence = 0;
  }

  protected get model(): string {
    return "transformer";
  }

  protected defaults(): TrainSettings {
    return { backend: "auto", seed: 1, ...TRANSFORMER_DEFAULTS };
  }

  protected get fields(): SettingName[] {
    return ["backend", "lr", "steps", "batch", "seed", "seeds"];
  }

  private pick(i: number, count: number): void {
    this.sentence = (i + count) % count;
    this.training.requestSnapshot({ sentence: this.sentence });
  }

  private words(s: SentenceView) {
    return html`<span class="sent">${s.tokens.filter((t) => t !== "PAD").join(" ")} →
      <strong class=${s.correct ? "ok" : "bad"}>${s.predicted}</strong>${s.correct ? "" : html` <small>(should be ${s.answer})</small>`}</span>`;
  }

  private attention(snap: TransformerSnapshot) {
    const labels = snap.sentence.tokens;
    const n = snap.sentenceCount;
    return html`
      <div class="picker" role="group" aria-label="sentence shown">
        <button type="button" @click=${() => this.pick(snap.sentenceIndex - 1, n)} aria-label="previous sentence">◀</button>
        <span>held-out sentence ${snap.sentenceIndex + 1} of ${n}:</span> ${this.words(snap.sentence)}
        <button type="button" @click=${() => this.pick(snap.sentenceIndex + 1, n)} aria-label="next sentence">▶</button>
      </div>
      <p class="hint">Rows are query positions, columns the keys they attend to (causal: only earlier positions).
        The last row is the WATER token, whose output predicts the answer.</p>
      <div class="maps">
        ${snap.attention.map((layer, l) =>
          layer.map(
            (head, h) => html`<wb-attention-heatmap .weights=${head} .rowLabels=${labels} .colLabels=${labels}
              caption=${`layer ${l + 1}, head ${h + 1}`} cell="30"></wb-attention-heatmap>`,
          ),
        )}
      </div>`;
  }

  protected override archModels(): string[] {
    return ["transformer"];
  }

  protected override get metric(): string {
    return "cross-entropy";
  }

  override render() {
    const snap = this.training.snapshot as TransformerSnapshot | null;
    const ok = snap?.kind === "transformer";
    return html`
      ${this.defaultsNote({ measured: "The text above describes the default transformer,", reading: "the accuracy and attention below", plural: true, shown: ok })}
      ${this.panel()}
      <div class="grid">
        <div>${this.lossChart("Loss (cross-entropy of the answer token)")}</div>
        <div>
          <h2>Predictions</h2>
          ${
            ok
              ? html`<p>Held-out accuracy <strong>${(100 * snap.accuracy).toFixed(1)}%</strong> (seed ${snap.seed}).</p>
                <p>Mean weight the WATER query gives the deciding grain word, per head:</p>
                <div class="gw">${snap.grainWeight.map((layer, l) => layer.map((w, h) => html`<span>layer ${l + 1} head ${h + 1}: <strong>${w.toFixed(2)}</strong></span>`))}</div>
                <ol class="samples">${snap.samples.map((s) => html`<li>${this.words(s)}</li>`)}</ol>`
              : html`<p class="hint">Sample predictions appear here while it trains.</p>`
          }
        </div>
      </div>
      <h2>Attention per layer and head</h2>
      ${ok ? this.attention(snap) : html`<p class="hint">Heatmaps appear here while it trains.</p>`}
    `;
  }

  static override styles = [
    TrainingPage.sharedStyles,
    css`
      .grid { display: grid; grid-template-columns: minmax(300px, 1.2fr) minmax(300px, 1fr); gap: 1.5em; }
      @media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
      .samples { font: 13px/1.6 ui-monospace, monospace; padding-left: 1.5em; margin: 0.2em 0; }
      .sent { font-family: ui-monospace, monospace; font-size: 13px; }
      .ok { color: #17702a; }
      .bad { color: #b00020; }
      .picker { display: flex; gap: 0.6em; align-items: center; flex-wrap: wrap; }
      .picker button { font: inherit; padding: 1px 8px; }
      .gw { display: flex; flex-wrap: wrap; gap: 0.2em 1.2em; margin-bottom: 0.5em; }
      .maps { display: flex; flex-wrap: wrap; gap: 1.2em; margin-top: 0.4em; }
    `,
  ];
}

customElements.define("wb-transformer-page", WbTransformerPage);
