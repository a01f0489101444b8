// What every training page shares: a TrainingController, the trainer panel wired to it (start, pause, resume,
// reset, save and load weights, continue on the CPU), restoring the run kept in IndexedDB, and the loss chart.
// A page subclass says which model it trains and renders its own views of the snapshot.

import { css, html, LitElement, nothing } from "lit";
import { CpuBackend } from "../backend/cpu";
import type { CorpusSource } from "../data/text/corpus";
import type { SettingName } from "../io/settings";
import type { JobKind, JobSpec, SavedJob, TrainSettings } from "../io/types";
import { checkWeightsSize, parseWeightsFile, toWeightsFile, WeightsFileError } from "../io/weights";
import { modelEntry } from "../models/registry";
import { torchDownloads, torchFileModel, torchFileToPageWeights } from "../run/torch-weights";
import { quoted } from "../util/printable";
import { lossColumns } from "./loss-columns";
import { PALETTE } from "./plot-base";
import { stallWarning } from "./readings";
import { TrainingController } from "./training-controller";
import { hiddenControls, urlHasSettings, urlSettings, withSettings } from "./url-state";
import "./wb-loss-chart";
import "./wb-trainer-panel";

export abstract class TrainingPage extends LitElement {
  protected readonly training: TrainingController;
  private fileError = "";
  /** What the last file load did, when there is more to say than the run it starts (the experts page's). */
  protected loadNote = "";

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

  /** Why the link's settings were refused, if they were. */
  private urlError = "";

  /** The panel's settings before any run: the model's defaults, with what the URL asks for on top. */
  protected initialSettings(): TrainSettings {
    const r = urlSettings(this.defaults(), location.search);
    this.urlError = r.error;
    return r.settings;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // A link with settings reproduces a run: it resumes the run stored in this browser with exactly the settings (and
    // architecture) the panel then shows, if there is one, since that is the same run further along; otherwise the
    // page waits for Start. A link without settings resumes the newest run stored for the model.
    const wanted = urlHasSettings(location.search) ? this.spec(this.initialSettings()) : undefined;
    void this.restoreSaved(this.model, wanted);
  }

  /** Resume the run stored for `model` (the one `wanted` describes, if given); the architecture fields then show its. */
  private async restoreSaved(model: string, wanted?: JobSpec): Promise<void> {
    if (!(await this.training.restoreSaved(model, wanted)) || model !== this.model) return;
    this.showArch(this.training.spec?.arch);
    this.requestUpdate();
  }

  /** The job these settings start (with the architecture fields' changes). */
  protected spec(settings: TrainSettings): JobSpec {
    const arch = this.archChanges();
    return {
      kind: this.training.kind,
      model: this.model,
      settings,
      ...(arch ? { arch } : {}),
      ...(import.meta.env.DEV ? this.faultInjection() : {}),
    };
  }

  // ---- architecture ----

  /** The models whose architecture the page lets a user change (registry ArchSpec). */
  protected archModels(): string[] {
    return [];
  }

  /** Texts typed in the architecture fields, by model; a change resets the run. */
  private archText: Record<string, string> = {};
  private archNote = "";

  private archOf(name: string): { sizes: number[] | null; error: string } {
    const spec = modelEntry(name).arch!;
    const text =
      this.archText[name] ??
      new URLSearchParams(location.search).get(`arch-${name}`) ??
      spec.defaults.join(", ");
    const sizes = text
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    const why = spec.check(sizes);
    return why ? { sizes: null, error: why } : { sizes, error: "" };
  }

  /** The valid architecture changes (only those that differ from the defaults), or undefined. */
  private archChanges(): Record<string, number[]> | undefined {
    const out: Record<string, number[]> = {};
    for (const n of this.archModels()) {
      const { sizes } = this.archOf(n);
      if (sizes && sizes.join(",") !== modelEntry(n).arch!.defaults.join(",")) out[n] = sizes;
    }
    return Object.keys(out).length ? out : undefined;
  }

  /** The architecture changes of the run on screen, or of the form before a run. */
  private archInUse(): Record<string, number[]> | undefined {
    const t = this.training;
    return t.state !== "idle" && t.spec ? t.spec.arch : this.archChanges();
  }

  /**
   * What the page's text says was measured on the default architecture: when the one in use differs, a line that says
   * so and points to the reading of this run, e.g. "Measured on the default ReLU 2→2→1; you are running ReLU 2→5→1:
   * the reading below is of your run." Nothing on the defaults.
   */
  protected defaultsNote(opts: { measured: string; reading: string; plural?: boolean; shown: boolean }) {
    const arch = this.archInUse();
    if (!arch) return nothing;
    const changed = Object.entries(arch).map(([n, sizes]) => ({ spec: modelEntry(n).arch!, sizes }));
    const was = changed.map((c) => c.spec.describe(c.spec.defaults)).join(" and ");
    const now = changed.map((c) => c.spec.describe(c.sizes)).join(" and ");
    const is = opts.plural ? "are" : "is";
    const tail = opts.shown
      ? `${opts.reading} ${is} of your run`
      : `${opts.reading}, once it trains, ${is} of your run`;
    return html`<p class="reading note defaults" role="note">${opts.measured} ${was}; you are running ${now}: ${tail}.</p>`;
  }

  /** The architecture in use of model `name` (archInUse, or its defaults). */
  protected archSizes(name: string): readonly number[] {
    return this.archInUse()?.[name] ?? modelEntry(name).arch!.defaults;
  }

  /** Whether the page's text describes another architecture than the one in use. */
  protected get archEdited(): boolean {
    return this.archInUse() !== undefined;
  }

  private onArch(name: string, text: string): void {
    this.archText = { ...this.archText, [name]: text };
    const { sizes } = this.archOf(name);
    if (sizes) {
      const url = new URL(location.href);
      url.searchParams.set(`arch-${name}`, sizes.join(","));
      history.replaceState(null, "", url);
      if (this.training.state !== "idle") {
        void this.training.reset();
        this.archNote = `${name} is now ${sizes.join("→")}: the run was reset (a different network cannot keep the old weights).`;
      }
    }
    this.requestUpdate();
  }

  /** The architecture fields and the link show `arch` (a loaded run's; absent: the defaults). */
  private showArch(arch: Record<string, number[]> | undefined): void {
    const url = new URL(location.href);
    for (const n of this.archModels()) {
      const sizes = arch?.[n];
      this.archText = { ...this.archText, [n]: (sizes ?? modelEntry(n).arch!.defaults).join(", ") };
      if (sizes) url.searchParams.set(`arch-${n}`, sizes.join(","));
      else url.searchParams.delete(`arch-${n}`);
    }
    history.replaceState(null, "", url);
    this.archNote = "";
  }

  protected archControls() {
    const models = this.archModels();
    if (!models.length || hiddenControls(location.search).includes("arch")) return nothing;
    return html`<fieldset class="arch">
      <legend>Architecture</legend>
      ${models.map((n) => {
        const e = modelEntry(n);
        const { sizes, error } = this.archOf(n);
        const id = `arch-${n}`;
        return html`<span class="arch-field">
          <label for=${id}>${e.label}: ${e.arch!.label}</label>
          <input id=${id} name=${id} autocomplete="off" .value=${this.archText[n] ?? (sizes ?? e.arch!.defaults).join(", ")}
            aria-invalid=${error ? "true" : "false"} @input=${(ev: Event) => this.onArch(n, (ev.target as HTMLInputElement).value)} />
          <output class="params" for=${id}>${sizes ? `${e.arch!.params(sizes)} parameters` : error}</output>
        </span>`;
      })}
      ${this.archNote ? html`<p class="note" role="status">${this.archNote}</p>` : nothing}
    </fieldset>`;
  }

  private onStep(e: CustomEvent<{ settings: TrainSettings }>): void {
    if (this.training.state === "idle")
      history.replaceState(null, "", withSettings(location.href, e.detail.settings));
    this.training.stepOnce(this.spec(e.detail.settings));
  }

  /** Switch to another model: the current run is kept first; the new model's saved run, if any, comes back. */
  protected async switchModel(): Promise<void> {
    const model = this.model;
    await this.training.detach();
    // Switched again while the last run was being kept: the latest choice restores.
    if (model === this.model) await this.restoreSaved(model);
  }

  private onStart(e: CustomEvent<{ settings: TrainSettings }>): void {
    this.loadNote = "";
    // The URL now reproduces this run.
    history.replaceState(null, "", withSettings(location.href, e.detail.settings));
    this.training.start(this.spec(e.detail.settings));
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

  /** Where char-gpt's corpus comes from for its PyTorch files (the language-model page's; none elsewhere). */
  protected corpusSource(): CorpusSource | undefined {
    return undefined;
  }

  /** The registry model a safetensors file that names none is taken to be of. */
  protected fileModel(): string {
    return this.model;
  }

  /** One safetensors file per model trained (its best seed), for the PyTorch twin (src/torch). */
  private async onSaveTorch(): Promise<void> {
    try {
      const file = toWeightsFile(await this.training.exportRun());
      const files = await torchDownloads(new CpuBackend(), file, this.corpusSource());
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

  private async onLoad(
    e: CustomEvent<{
      text?: string;
      bytes?: Uint8Array;
      name?: string;
      size?: number;
      settings?: TrainSettings | null;
    }>,
  ): Promise<void> {
    try {
      checkWeightsSize(
        e.detail.size ?? e.detail.bytes?.length ?? e.detail.text?.length ?? 0,
        quoted(e.detail.name ?? "the file"),
      );
      this.loadNote = "";
      const { bytes, name = "the file" } = e.detail;
      const settings = e.detail.settings ?? this.training.settings ?? this.initialSettings();
      if (bytes) await this.loadTorchFile(bytes, name, settings);
      else
        await this.loadWeightsFile(parseWeightsFile(e.detail.text ?? "", this.training.kind), name, settings);
    } catch (err) {
      this.fileError = (err as Error).message;
      this.requestUpdate();
    }
  }

  /**
   * A weights file, read and checked for this page's kind. `settings`: the form's, for a page that starts a run around
   * the file's models (the experts page, for a file of some of its models).
   */
  protected async loadWeightsFile(saved: SavedJob, _name: string, _settings: TrainSettings): Promise<void> {
    this.loadSaved(saved);
  }

  /**
   * A safetensors file (ours, or PyTorch's): as a weights file of one seed of the model it names. `settings`: the
   * form's, for a page that starts a run around the file's model (the experts page).
   */
  protected async loadTorchFile(bytes: Uint8Array, _name: string, _settings: TrainSettings): Promise<void> {
    const model = torchFileModel(bytes) ?? this.fileModel();
    const { file } = await torchFileToPageWeights(new CpuBackend(), bytes, model, this.corpusSource());
    this.loadSaved(parseWeightsFile(JSON.stringify(file), this.training.kind));
  }

  /**
   * Start the page from a saved run (paused at its step), once its model is known to belong here; the architecture
   * fields then show the run's architecture.
   */
  protected loadSaved(saved: SavedJob): void {
    if (!this.acceptsModel(saved.spec.model)) {
      throw new WeightsFileError(`this page has no model ${quoted(saved.spec.model)}`);
    }
    this.fileError = "";
    this.adoptModel(saved.spec.model);
    this.showArch(saved.spec.arch);
    this.training.start(saved.spec, saved);
    this.requestUpdate();
  }

  /** Whether a weights file's model belongs on this page. */
  protected acceptsModel(model: string): boolean {
    return model === this.model;
  }

  /** Make `model` the page's current model (a page with several models selects it). */
  protected adoptModel(_model: string): void {}

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

  protected panel() {
    const t = this.training;
    const info = t.info;
    const backendInfo = info
      ? `Backend: ${info.backend} (${info.reason}). ${info.runs.map((r) => `${r.name}: ${r.params} parameters`).join(", ")}` +
        `${info.seeds.length > 1 ? `, ${info.seeds.length} seeds each` : ""}.` +
        `${t.persistedStep ? ` Saved in this browser at step ${t.persistedStep}.` : ""}`
      : "";
    const settings = t.settings ?? this.initialSettings();
    return html`${this.storedRunNotices()}${this.archControls()}${this.urlError ? html`<p class="reading warn" role="alert">${this.urlError}</p>` : nothing}${this.loadNote ? html`<p class="reading note load-note" role="status">${this.loadNote}</p>` : nothing}<wb-trainer-panel
      .settings=${settings}
      .hide=${hiddenControls(location.search)}
      .fields=${this.fields}
      .state=${t.state}
      .step=${t.step}
      .total=${t.total}
      .stepsPerSecond=${t.stepsPerSecond}
      .secondsLeft=${t.secondsLeft}
      .status=${t.status}
      .summary=${t.summary}
      .backendInfo=${backendInfo}
      .failure=${t.failure}
      .loadError=${this.fileError || t.loadError}
      @wb-start=${this.onStart}
      @wb-step=${this.onStep}
      @wb-pause=${() => t.pause()}
      @wb-resume=${() => t.resume()}
      @wb-reset=${() => t.reset()}
      @wb-save=${() => this.onSave()}
      @wb-save-torch=${() => this.onSaveTorch()}
      @wb-load=${this.onLoad}
      @wb-continue-cpu=${() => t.continueOnCpu()}
    ></wb-trainer-panel>`;
  }

  /** What the loss chart's losses measure. */
  protected get metric(): string {
    return "MSE";
  }

  /** What a model's training objective is when it is not the mean squared error (the switch adds a cross-entropy). */
  protected objectiveOf(_name: string): string | null {
    return null;
  }

  protected lossChart(title = "Loss (mean squared error)") {
    const names = this.runNames();
    const t = this.training;
    const seeds = t.info?.seeds.length ?? t.settings?.seeds ?? 1;
    // Same colour per model; held-out dashed; the seed shown bold, the other seeds thin (one model per page).
    const { series, data } = lossColumns(t.lossData, t.seedPoints, {
      names,
      seeds,
      objective: (n) => this.objectiveOf(n),
      otherSeeds: names.length === 1,
      metric: this.metric,
      palette: PALETTE,
    });
    const empty = t.lossData[0]!.length === 0;
    const stall =
      t.state === "done" || t.state === "paused" || t.state === "running"
        ? stallWarning(t.lossData[0] as number[], t.lossData[1] ?? [], t.total, t.settings?.lr ?? 0)
        : null;
    return html`<section>
      <h2>${title}</h2>
      ${stall ? html`<p class="reading warn" role="alert">${stall}</p>` : nothing}
      ${empty ? html`<p class="hint">${t.state === "idle" ? "Start training to see the losses." : "The first losses appear after the first steps."}</p>` : nothing}
      <wb-loss-chart .series=${series} .data=${data} log-y y-label="loss (log scale)" ?hidden=${empty}></wb-loss-chart>
    </section>`;
  }

  static sharedStyles = css`
    :host { display: block; font: 15px/1.45 system-ui, sans-serif; color: #111; }
    h2 { font-size: 1.1em; margin: 1em 0 0.3em; }
    .hint { color: #555; font-style: italic; margin: 0.2em 0; }
    fieldset.arch { border: 1px solid #ccc; border-radius: 4px; margin: 0.3em 0 0.6em; padding: 0.3em 0.8em 0.5em; }
    fieldset.arch legend { font-weight: 600; font-size: 13px; }
    .arch-field { display: inline-flex; gap: 0.4em; align-items: baseline; margin-right: 1.5em; font-size: 13px; }
    .arch-field input { width: 6em; font: inherit; }
    .arch-field input[aria-invalid="true"] { border-color: #b00020; }
    .arch-field .params { color: #333; font-variant-numeric: tabular-nums; }
    fieldset.arch .note { margin: 0.3em 0 0; font-size: 13px; color: #7a4b00; }
    .about { font-size: 1.05em; margin: 0.3em 0; max-width: 70em; }
    .about[data-default-only] { color: #555; }
    .reading { margin: 0.3em 0 0.6em; padding: 0.35em 0.7em; border-left: 4px solid #009e73; background: #f1f8f5; max-width: 70em; }
    .reading.note { border-color: #e69f00; background: #fdf6e8; }
    .reading.warn { border-color: #d55e00; background: #fcefe8; }
    pre, code { font-family: ui-monospace, monospace; font-size: 13px; }
    pre.eq { background: #f5f5f5; padding: 0.5em 0.8em; margin: 0.2em 0; white-space: pre-wrap; }
    table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; }
    th, td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: right; }
    th:first-child, td:first-child { text-align: left; }
  `;
}
