// What every training page shares: a TrainingController, the trainer panel wired to it (start, pause, resume,
// reset, save and load weights, continue on the CPU), restoring the run kept in IndexedDB, and the loss chart.
// A page subclass says which model it trains and renders its own views of the snapshot.

import { css, html, LitElement, nothing } from "lit";
import { CpuBackend } from "../backend/cpu";
import type { SettingName } from "../io/settings";
import type { JobKind, JobSpec, TrainSettings } from "../io/types";
import { checkWeightsSize, parseWeightsFile, toWeightsFile, WeightsFileError } from "../io/weights";
import { torchDownloads, torchFileModel, torchFileToWeights } from "../run/torch-weights";
import { quoted } from "../util/printable";
import { PALETTE } from "./plot-base";
import { TrainingController } from "./training-controller";
import type { LossSeries } from "./wb-loss-chart";
import "./wb-loss-chart";
import "./wb-trainer-panel";

export abstract class TrainingPage extends LitElement {
  protected readonly training: TrainingController;
  private fileError = "";

  constructor(kind: JobKind) {
    super();
    this.training = new TrainingController(this, kind);
  }

  /** The model the page trains now (a grain stage, "experts", "transformer"). */
  protected abstract get model(): string;
  /** The panel's defaults for that model. */
  protected abstract defaults(): TrainSettings;
  /** Optional fields that apply (backend, lr, steps and seed always do). */
  protected abstract get fields(): SettingName[];
  /** Names of the runs trained together (one loss curve pair each). */
  protected runNames(): string[] {
    return this.training.info?.runs.map((r) => r.name) ?? [this.model];
  }

  /**
   * Test-only: lose the GPU device after this many steps (URL ?lose-device=N). Development builds only: the
   * production build drops this code (import.meta.env.DEV is false there; tests/ui/production-build.test.ts).
   */
  private faultInjection(): Pick<JobSpec, "loseDeviceAt"> {
    if (!import.meta.env.DEV) return {};
    const v = new URLSearchParams(location.search).get("lose-device");
    return v === null ? {} : { loseDeviceAt: Number(v) };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.training.restoreSaved(this.model);
  }

  /** Switch to another model: the current run stays saved; the new model's saved run, if any, comes back. */
  protected switchModel(): void {
    this.training.detach();
    void this.training.restoreSaved(this.model);
  }

  private onStart(e: CustomEvent<{ settings: TrainSettings }>): void {
    const spec: JobSpec = {
      kind: this.training.kind,
      model: this.model,
      settings: e.detail.settings,
      ...(import.meta.env.DEV ? this.faultInjection() : {}),
    };
    this.training.start(spec);
  }

  private async onSave(): Promise<void> {
    let file: ReturnType<typeof toWeightsFile>;
    try {
      file = toWeightsFile(await this.training.exportRun());
    } catch (err) {
      this.fileError = (err as Error).message;
      this.requestUpdate();
      return;
    }
    const blob = new Blob([JSON.stringify(file)], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${file.kind}-${file.model}-step${file.step}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  /** One safetensors file per model trained (its best seed), for the PyTorch twin (src/torch). */
  private async onSaveTorch(): Promise<void> {
    try {
      const files = await torchDownloads(new CpuBackend(), toWeightsFile(await this.training.exportRun()));
      for (const f of files) {
        const a = document.createElement("a");
        a.href = URL.createObjectURL(new Blob([f.bytes as BlobPart], { type: "application/octet-stream" }));
        a.download = f.filename;
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      }
    } catch (err) {
      this.fileError = (err as Error).message;
      this.requestUpdate();
    }
  }

  private onLoad(e: CustomEvent<{ text?: string; bytes?: Uint8Array; name?: string; size?: number }>): void {
    try {
      checkWeightsSize(
        e.detail.size ?? e.detail.bytes?.length ?? e.detail.text?.length ?? 0,
        quoted(e.detail.name ?? "the file"),
      );
      let text = e.detail.text ?? "";
      if (e.detail.bytes) {
        // A safetensors file (ours, or PyTorch's): as a weights file of one seed of the model it names.
        const model = torchFileModel(e.detail.bytes) ?? this.model;
        text = JSON.stringify(torchFileToWeights(new CpuBackend(), e.detail.bytes, model).file);
      }
      const saved = parseWeightsFile(text, this.training.kind);
      if (!this.acceptsModel(saved.spec.model)) {
        throw new WeightsFileError(`this page has no model ${quoted(saved.spec.model)}`);
      }
      this.fileError = "";
      this.adoptModel(saved.spec.model);
      this.training.start(saved.spec, saved);
    } catch (err) {
      this.fileError = (err as Error).message;
      this.requestUpdate();
    }
  }

  /** Whether a weights file's model belongs on this page. */
  protected acceptsModel(model: string): boolean {
    return model === this.model;
  }

  /** Make `model` the page's current model (a page with several models selects it). */
  protected adoptModel(_model: string): void {}

  protected panel() {
    const t = this.training;
    const info = t.info;
    const backendInfo = info
      ? `Backend: ${info.backend} (${info.reason}). ${info.runs.map((r) => `${r.name}: ${r.params} parameters`).join(", ")}` +
        `${info.seeds.length > 1 ? `, ${info.seeds.length} seeds each` : ""}.` +
        `${t.persistedStep ? ` Saved in this browser at step ${t.persistedStep}.` : ""}`
      : "";
    return html`${this.storedRunNotices()}<wb-trainer-panel
      .settings=${t.settings ?? this.defaults()}
      .fields=${this.fields}
      .state=${t.state}
      .step=${t.step}
      .total=${t.total}
      .stepsPerSecond=${t.stepsPerSecond}
      .backendInfo=${backendInfo}
      .failure=${t.failure}
      .loadError=${this.fileError || t.loadError}
      @wb-start=${this.onStart}
      @wb-pause=${() => t.pause()}
      @wb-resume=${() => t.resume()}
      @wb-reset=${() => t.reset()}
      @wb-save=${() => this.onSave()}
      @wb-save-torch=${() => this.onSaveTorch()}
      @wb-load=${this.onLoad}
      @wb-continue-cpu=${() => t.continueOnCpu()}
    ></wb-trainer-panel>`;
  }

  /** Unreadable stored runs of this model (each with a delete button), and other tabs training it. */
  private storedRunNotices() {
    const t = this.training;
    return html`${t.unreadable.map(
      (u) =>
        html`<p class="stored-unreadable" role="alert">
          The run stored in this browser as ${quoted(u.key)} is unreadable (${u.reason}); the other runs are not
          affected. <button class="delete-stored" @click=${() => t.deleteUnreadable(u.key)}>Delete it</button>
        </p>`,
    )}${
      t.otherTabsTraining
        ? html`<p class="stored-other-tab" role="status">
            Another tab of this browser is training ${quoted(this.model)} too; each tab keeps its own stored run.
          </p>`
        : nothing
    }`;
  }

  protected lossChart(title = "Loss (mean squared error)") {
    const names = this.runNames();
    // Same colour per model; held-out dashed.
    const series: LossSeries[] = [
      ...names.map((n, i) => ({ label: `${n} train`, color: PALETTE[i % PALETTE.length]! })),
      ...names.map((n, i) => ({ label: `${n} held-out`, color: PALETTE[i % PALETTE.length]!, dash: [6, 4] })),
    ];
    const empty = this.training.lossData[0]!.length === 0;
    return html`<section>
      <h2>${title}</h2>
      ${empty ? html`<p class="hint">Start training to see the losses.</p>` : nothing}
      <wb-loss-chart .series=${series} .data=${this.training.lossData} log-y ?hidden=${empty}></wb-loss-chart>
    </section>`;
  }

  static sharedStyles = css`
    :host { display: block; font: 15px/1.45 system-ui, sans-serif; color: #111; }
    h2 { font-size: 1.1em; margin: 1em 0 0.3em; }
    .hint { color: #555; font-style: italic; margin: 0.2em 0; }
    pre, code { font-family: ui-monospace, monospace; font-size: 13px; }
    pre.eq { background: #f5f5f5; padding: 0.5em 0.8em; margin: 0.2em 0; white-space: pre-wrap; }
    table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; }
    th, td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: right; }
    th:first-child, td:first-child { text-align: left; }
  `;
}
