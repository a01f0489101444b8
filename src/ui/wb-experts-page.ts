// <wb-experts-page>: five experts. Three models of nearly equal size (attention with 5 linear experts, ReLU
// 2→7→1, ReLU 2→4→3→1) train side by side on the same data: their losses, fits, parameter counts and errors in
// and beyond the training range next to each other.
//
// A safetensors file holds one model (its "Download for PyTorch" writes three): loading one replaces that model's
// weights in every seed and leaves the other two as they are, trained or (before any run) freshly initialised;
// the run then waits, paused, at its step. A file of a model this page does not train is refused by name, and one
// whose architecture (its workbench.config) is not the page's for that model is refused naming both.
// A weights file of one or two of the models (the CLI's, `npm run train -- experts-relu7 --save f.json`) brings
// their weights, architecture and loss history and the file's step (experts-file.ts); the others keep theirs.

import { css, html, nothing } from "lit";
import { CpuBackend } from "../backend/cpu";
import type { SettingName } from "../io/settings";
import { SAVED_JOB_VERSION, type SavedJob, type TrainSettings } from "../io/types";
import { checkShapes, parseWeightsFile, WeightsFileError } from "../io/weights";
import { describeArch, modelEntry } from "../models/registry";
import { repeatSeeds } from "../run/run-weights";
import { torchFileModel, torchFileToWeights } from "../run/torch-weights";
import { takeCheckpoint } from "../train/checkpoint";
import { quoted } from "../util/printable";
import { mergeExpertsFile } from "./experts-file";
import { EXPERT_MODELS } from "./jobs/catalog";
import { linearTerms } from "./jobs/equations";
import { expertsJob, expertsPreview } from "./jobs/regression-jobs";
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

  /** The three runs as they are now: the worker's, or (before any run) freshly built with the form's settings. */
  private async currentRuns(settings: TrainSettings): Promise<SavedJob> {
    if (this.training.state === "starting")
      throw new WeightsFileError("the run is starting: load the file once it has");
    if (this.training.hasRun) return this.training.exportRun();
    const spec = this.spec(settings);
    // The same seeds the worker would build (initial weights depend only on the seed, not on the backend).
    const job = await expertsJob(spec, new CpuBackend());
    const runs = [];
    for (const r of job.runs) {
      const cp = await takeCheckpoint(0, r.trainer.model, r.trainer.opt);
      runs.push({ name: r.name, params: cp.params, state: [], t: 0 });
    }
    return {
      version: SAVED_JOB_VERSION,
      spec,
      step: 0,
      runs,
      history: { train: [], test: [] },
      savedAt: Date.now(),
    };
  }

  /** One model's safetensors file into that model only; the other two keep their weights. */
  protected override async loadTorchFile(
    bytes: Uint8Array,
    name: string,
    settings: TrainSettings,
  ): Promise<void> {
    const names = EXPERT_MODELS.map((m) => m.name);
    const list = names.map((n) => quoted(n)).join(", ");
    const model = torchFileModel(bytes);
    if (model === null)
      throw new WeightsFileError(
        `${quoted(name)} does not say which model it holds (no workbench.model metadata); this page trains ${list}`,
      );
    if (!names.includes(model))
      throw new WeightsFileError(
        `${quoted(name)} holds weights of ${quoted(model)}, which this page does not train (it trains ${list})`,
      );
    const converted = torchFileToWeights(new CpuBackend(), bytes, model);
    const one = parseWeightsFile(JSON.stringify(converted.file), "experts");
    const current = await this.currentRuns(settings);
    // The file goes into one model of the page's run, which keeps its architecture.
    const ours = current.spec.arch?.[model];
    if ((converted.arch ?? []).join(",") !== (ours ?? []).join(",")) {
      const spec = modelEntry(model).arch!;
      const want = (converted.arch ?? spec.defaults).join(", ");
      throw new WeightsFileError(
        `${quoted(name)} holds ${model} as ${describeArch(model, converted.arch)}; this page has it as ${describeArch(model, ours)}: set its ${spec.label} to ${want} to load the file`,
      );
    }
    const K = current.spec.settings.seeds;
    const run = repeatSeeds(one.runs[0]!, K);
    const now = current.runs.find((r) => r.name === model)!;
    const mismatch = checkShapes(
      run,
      Object.entries(now.params).map(([n, p]) => [n, p.shape]),
    );
    if (mismatch)
      throw new WeightsFileError(`${quoted(name)} does not fit ${model} as this page has it: ${mismatch}`);
    const others = names.filter((n) => n !== model).join(" and ");
    const seeds = K > 1 ? `, into all ${K} seeds` : "";
    const state = current.step >= current.spec.settings.steps ? "done" : "paused";
    this.loadSaved({ ...current, runs: current.runs.map((r) => (r.name === model ? run : r)) });
    this.loadNote = `Loaded ${model} from ${quoted(name)} (step ${one.step} of its own training${seeds}); ${others} ${this.kept(current, true)}. The run is ${state} at step ${current.step}.`;
  }

  /** What the models a file does not hold do: keep their trained weights, or start from their initial ones. */
  private kept(current: SavedJob, plural: boolean): string {
    const { seed, seeds: K } = current.spec.settings;
    const [s, their] = plural ? ["", "their"] : ["s", "its"];
    return current.step > 0 || this.training.hasRun
      ? `keep${s} ${their} weights at step ${current.step}`
      : `start${s} from ${their} initial weights (seed${K > 1 ? `s ${seed}..${seed + K - 1}` : ` ${seed}`})`;
  }

  /**
   * A weights file of the three models loads as it is; one of some of them (the CLI's) goes into those models, with
   * their architecture and loss history, at the file's step; the others keep their weights.
   */
  protected override async loadWeightsFile(
    saved: SavedJob,
    name: string,
    settings: TrainSettings,
  ): Promise<void> {
    const names = EXPERT_MODELS.map((m) => m.name);
    if (names.every((n) => saved.runs.some((r) => r.name === n))) {
      this.loadSaved(saved);
      return;
    }
    const current = await this.currentRuns(settings);
    const job = mergeExpertsFile(current, saved, names, name);
    this.loadSaved(job);
    const held = saved.runs.map((r) => `${r.name} (${describeArch(r.name, job.spec.arch?.[r.name])})`);
    const others = names.filter((n) => !saved.runs.some((r) => r.name === n));
    const K = job.spec.settings.seeds;
    const state = job.step >= job.spec.settings.steps ? "done" : "paused";
    this.loadNote =
      `Loaded ${held.join(" and ")} from ${quoted(name)} at step ${job.step}${K > 1 ? `, into all ${K} seeds` : ""}; ` +
      `the file holds no ${others.join(" or ")}: ${others.length > 1 ? "they" : "it"} ${this.kept(current, others.length > 1)}. The run is ${state} at step ${job.step}.`;
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

  /** The three models as trained (an edited architecture's sizes and parameter count, not the defaults'). */
  private models() {
    const parts = EXPERT_MODELS.map((m, i) => {
      const spec = modelEntry(m.name).arch!;
      const sizes = this.archSizes(m.name);
      return `${spec.describe(sizes)} (${spec.params(sizes)}${i === 0 ? " parameters" : ""})`;
    });
    return html`<p class="models">Three models train side by side on the same rows, x from 1 to 5: ${parts.join("; ")}.</p>`;
  }

  override render() {
    const snap = this.training.snapshot as ExpertsSnapshot | null;
    const ok = snap?.kind === "experts";
    const reading = ok ? expertsReading(snap) : null;
    return html`
      ${this.models()}
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
      .models { font-size: 1.05em; margin: 0.3em 0; max-width: 70em; }
    `,
  ];
}

customElements.define("wb-experts-page", WbExpertsPage);
