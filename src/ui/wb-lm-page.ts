// <wb-lm-page>: a character-level GPT (nanoGPT-shaped) learns to write first names or Moby-Dick in the worker.
// Live training and validation loss (fixed held-out batches, nats and bits per character) against the unigram and
// bigram baselines, tokens per second and GFLOP/s, a sample written by the current weights every snapshot (prompt,
// temperature, top-k, seed), and the attention of every layer and head over a held-out snippet, with the query
// character selectable. "Download for PyTorch" writes the model's safetensors file for src/torch (with its
// vocabulary and a sample of the corpus), and such a file, from here or from PyTorch, loads back.

import { css, html, nothing } from "lit";
import type { CorpusSource } from "../data/text/corpus";
import { viteCorpusSource } from "../data/text/sources-vite";
import type { SettingName } from "../io/settings";
import type { TrainSettings } from "../io/types";
import { CHAR_GPT_PRESETS } from "../models/char-gpt-presets";
import type { LmSnapshot } from "./lm-snapshot";
import { PALETTE } from "./plot-base";
import { TrainingPage } from "./training-page";
import type { LossSeries } from "./wb-loss-chart";
import "./wb-attention-heatmap";
import "./wb-loss-chart";

/** The corpus and preset choices, as "char-gpt-<dataset>-<preset>" (jobs/lm-job.ts). */
export const LM_MODELS = [
  { model: "char-gpt-names-tiny", label: "first names, tiny (1 layer, width 32)" },
  { model: "char-gpt-moby-dick-tiny", label: "Moby-Dick, tiny" },
  { model: "char-gpt-moby-dick-small", label: "Moby-Dick, small (nanoGPT's CPU run: 4 layers, width 128)" },
];

const LN2 = Math.log(2);

const showChar = (c: string) => (c === "\n" ? "⏎" : c === " " ? "␣" : c);

export class WbLmPage extends TrainingPage {
  static override properties = {
    choice: { type: String },
    prompt: { type: String },
    temperature: { type: Number },
    topK: { type: Number },
    sampleSeed: { type: Number },
    query: { type: Number },
  };

  declare choice: string;
  declare prompt: string;
  declare temperature: number;
  /** 0: all characters. */
  declare topK: number;
  declare sampleSeed: number;
  /** Query position in the snippet whose attention rows are shown large (-1: the last). */
  declare query: number;

  constructor() {
    super("lm");
    this.choice = LM_MODELS[0]!.model;
    this.prompt = "";
    this.temperature = 0.8;
    this.topK = 0;
    this.sampleSeed = 1;
    this.query = -1;
  }

  protected get model(): string {
    return this.choice;
  }

  protected defaults(): TrainSettings {
    const preset = CHAR_GPT_PRESETS[this.choice.endsWith("-small") ? "small" : "tiny"];
    const t = preset.training;
    return { backend: "auto", lr: t.lr, steps: t.steps, batch: t.batch, seed: 1, seeds: 1 };
  }

  protected get fields(): SettingName[] {
    return ["backend", "lr", "steps", "batch", "seed"];
  }

  protected override acceptsModel(model: string): boolean {
    return LM_MODELS.some((m) => m.model === model);
  }

  protected override adoptModel(model: string): void {
    this.choice = model;
  }

  /** Its PyTorch files carry the corpus's vocabulary and a sample of its training text. */
  protected override corpusSource(): CorpusSource {
    return viteCorpusSource;
  }

  protected override fileModel(): string {
    return "char-gpt";
  }

  private pickModel(e: Event): void {
    this.choice = (e.target as HTMLSelectElement).value;
    this.switchModel();
  }

  /** Ask the worker for a snapshot with the sample settings now on the form. */
  private resample(): void {
    this.training.requestSnapshot({
      prompt: this.prompt,
      temperature: this.temperature,
      ...(this.topK > 0 ? { topK: this.topK } : {}),
      sampleSeed: this.sampleSeed,
    });
  }

  private onNumber(e: Event, key: "temperature" | "topK" | "sampleSeed"): void {
    const v = Number((e.target as HTMLInputElement).value);
    if (Number.isFinite(v)) this[key] = v;
    this.resample();
  }

  private lossView(snap: LmSnapshot | null) {
    const data = this.training.lossData;
    const xs = data[0] ?? [];
    const empty = xs.length === 0;
    const series: LossSeries[] = [
      { label: "train", color: PALETTE[0]! },
      { label: "validation", color: PALETTE[1]!, dash: [6, 4] },
    ];
    let columns = data;
    if (snap) {
      // The baselines as flat lines over the same steps.
      series.push(
        { label: "unigram", color: "#888", dash: [2, 3] },
        { label: "bigram", color: "#444", dash: [2, 3] },
      );
      columns = [...data, xs.map(() => snap.baselines.unigram), xs.map(() => snap.baselines.bigram)];
    }
    // The latest validation loss: the last row of the held-out column that has one.
    const valCol = data[2] ?? [];
    let row = valCol.length - 1;
    while (row >= 0 && (valCol[row] === null || valCol[row] === undefined)) row--;
    const val = row >= 0 ? (valCol[row] as number) : undefined;
    const valStep = row >= 0 ? (xs[row] as number) : 0;
    return html`<section>
      <h2>Loss (cross-entropy, nats per character)</h2>
      ${empty ? html`<p class="hint">Start training to see the losses.</p>` : nothing}
      <wb-loss-chart .series=${series} .data=${columns} ?hidden=${empty}></wb-loss-chart>
      ${
        val !== undefined
          ? html`<p class="val">Validation after ${valStep + 1} steps: <strong>${val.toFixed(3)}</strong> nats
              = <strong>${(val / LN2).toFixed(3)}</strong> bits per character${
                snap
                  ? html` (bigram ${snap.baselines.bigram.toFixed(3)}, unigram ${snap.baselines.unigram.toFixed(3)};
                    ${val < snap.baselines.bigram ? "below the bigram" : "not yet below the bigram"})`
                  : nothing
              }.</p>`
          : nothing
      }
      ${
        snap
          ? html`<p class="speed">${snap.tokensPerSecond.toFixed(0)} tokens/s · ${snap.gflops.toFixed(2)} GFLOP/s
              achieved (training FLOPs ≈ 3 × the forward's)</p>`
          : nothing
      }
    </section>`;
  }

  private sampleView(snap: LmSnapshot | null) {
    return html`<section>
      <h2>Written by the current weights</h2>
      <div class="controls">
        <label>Prompt <input class="prompt" .value=${this.prompt} placeholder="(empty: from a newline)"
          @change=${(e: Event) => {
            this.prompt = (e.target as HTMLInputElement).value;
            this.resample();
          }} /></label>
        <label>Temperature <input type="number" min="0" step="0.1" .value=${String(this.temperature)}
          @change=${(e: Event) => this.onNumber(e, "temperature")} /></label>
        <label>Top-k <input type="number" min="0" step="1" .value=${String(this.topK)} title="0: all characters"
          @change=${(e: Event) => this.onNumber(e, "topK")} /></label>
        <label>Seed <input type="number" min="0" step="1" .value=${String(this.sampleSeed)}
          @change=${(e: Event) => this.onNumber(e, "sampleSeed")} /></label>
      </div>
      ${
        !snap
          ? html`<p class="hint">Samples appear here every few seconds while it trains.</p>`
          : snap.sampleError
            ? html`<p class="error" role="alert">${snap.sampleError}</p>`
            : html`<pre class="sample"><span class="given">${snap.prompt}</span>${snap.sample}</pre>`
      }
    </section>`;
  }

  private attentionView(snap: LmSnapshot) {
    const chars = [...snap.snippet].map(showChar);
    const T = chars.length;
    const q = this.query < 0 || this.query >= T ? T - 1 : this.query;
    return html`<section>
      <h2>Attention over a held-out snippet</h2>
      <div class="controls">
        <label>Query character
          <select @change=${(e: Event) => {
            this.query = Number((e.target as HTMLSelectElement).value);
          }}>
            ${chars.map((c, i) => html`<option value=${i} ?selected=${i === q}>${i + 1}: ${c}</option>`)}
          </select></label>
      </div>
      <p class="hint">Each head's weights for query ${q + 1} ('${chars[q]}') over the characters before it, then each
        head's full map (rows: queries, columns: keys; causal).</p>
      <div class="maps">
        ${snap.attention.map((layer, l) =>
          layer.map(
            (
              head,
              h,
            ) => html`<wb-attention-heatmap .weights=${[head[q]!.slice(0, q + 1)]} .rowLabels=${[chars[q]!]}
              .colLabels=${chars.slice(0, q + 1)} caption=${`layer ${l + 1}, head ${h + 1}`} cell="16"></wb-attention-heatmap>`,
          ),
        )}
      </div>
      <div class="maps">
        ${snap.attention.map((layer, l) =>
          layer.map(
            (head, h) => html`<wb-attention-heatmap .weights=${head} .rowLabels=${chars} .colLabels=${chars}
              caption=${`layer ${l + 1}, head ${h + 1}`} cell="9"></wb-attention-heatmap>`,
          ),
        )}
      </div>
    </section>`;
  }

  override render() {
    const s = this.training.snapshot as LmSnapshot | null;
    const snap = s?.kind === "lm" ? s : null;
    return html`
      <label class="choice">Corpus and model
        <select @change=${this.pickModel} ?disabled=${this.training.state === "running"}>
          ${LM_MODELS.map((m) => html`<option value=${m.model} ?selected=${m.model === this.choice}>${m.label}</option>`)}
        </select></label>
      ${this.panel()}
      <div class="grid">
        <div>${this.lossView(snap)}</div>
        <div>${this.sampleView(snap)}</div>
      </div>
      ${snap ? this.attentionView(snap) : html`<p class="hint">Attention heatmaps appear here while it trains.</p>`}
    `;
  }

  static override styles = [
    TrainingPage.sharedStyles,
    css`
      .grid { display: grid; grid-template-columns: minmax(320px, 1.2fr) minmax(300px, 1fr); gap: 1.5em; }
      @media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
      .controls { display: flex; flex-wrap: wrap; gap: 0.4em 1em; align-items: center; margin: 0.3em 0; }
      .controls input[type="number"] { width: 5em; }
      .controls input.prompt { width: 14em; }
      .sample { white-space: pre-wrap; background: #f7f7f2; padding: 0.6em 0.8em; max-height: 22em; overflow: auto; }
      .given { color: #0a5; font-weight: 600; }
      .error { color: #b00020; }
      .maps { display: flex; flex-wrap: wrap; gap: 1em; margin-top: 0.5em; }
      .choice { display: block; margin: 0.3em 0 0.6em; }
      .val, .speed { margin: 0.3em 0; font-variant-numeric: tabular-nums; }
    `,
  ];
}

customElements.define("wb-lm-page", WbLmPage);
