// <wb-trainer-panel>: the training form and its controls. Properties in (defaults, run state, progress), events
// out; it trains nothing itself (see training-controller.ts).
//
// Events (all bubble and cross shadow roots):
//   wb-start {settings}   the form was valid; nothing is sent when a field is refused (its message shows at it)
//   wb-step {settings}    "Step": one training step, then paused (from idle: a new run with these settings)
//   wb-pause, wb-resume, wb-reset, wb-save, wb-continue-cpu
//   wb-load {text, name, size, settings}  a weights file was chosen; {bytes, name, size, settings} for a .safetensors
//                        file; {name, size} alone when the file is larger than any weights file (it is not read).
//                        `settings`: the form's, as Start would send them (null while a field is refused)
//   wb-save-torch         "Download for PyTorch" (safetensors)

import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { BACKEND_CHOICES } from "../backend/select";
import { type FieldErrors, parseSettings, type SettingName, settingsText } from "../io/settings";
import type { TrainSettings } from "../io/types";
import { MAX_WEIGHTS_BYTES } from "../io/weights";
import { timeLeftText } from "./time-left";

export type PanelState = "idle" | "starting" | "running" | "paused" | "done" | "failed";

export interface PanelFailure {
  message: string;
  canContinueOnCpu: boolean;
}

const LABELS: Record<SettingName, string> = {
  backend: "Backend",
  lr: "Learning rate",
  steps: "Steps",
  batch: "Batch",
  seed: "Seed",
  seeds: "Seeds",
};

const HINTS: Partial<Record<SettingName, string>> = {
  batch: "sentences per step",
  seeds: "runs trained at once",
};

let ids = 0;

export class WbTrainerPanel extends LitElement {
  static override properties = {
    // Equal settings (a page renders a fresh object each time) keep what the user typed.
    settings: {
      attribute: false,
      hasChanged: (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b),
    },
    fields: { attribute: false },
    state: { type: String },
    step: { type: Number },
    total: { type: Number },
    stepsPerSecond: { attribute: false },
    secondsLeft: { attribute: false },
    status: { type: String },
    hide: { attribute: false },
    summary: { type: String },
    backendInfo: { type: String, attribute: "backend-info" },
    failure: { attribute: false },
    loadError: { attribute: false },
    text: { state: true },
    errors: { state: true },
  };

  /** Values the form shows when (re)set. */
  declare settings: TrainSettings;
  /** Which optional fields apply on this page. */
  declare fields: SettingName[];
  declare state: PanelState;
  declare step: number;
  declare total: number;
  declare stepsPerSecond: number;
  /** The time-left estimate (seconds); null: steps left / stepsPerSecond. */
  declare secondsLeft: number | null;
  /** What is happening before the first step ("building 8 seeds", "compiling kernels …"). */
  declare status: string;
  /** Controls a classroom link hides: field names, or start, pause, resume, step, reset, save, load. */
  declare hide: string[];
  /** The finished run's summary (steps, time, average rate). */
  declare summary: string;
  declare backendInfo: string;
  declare failure: PanelFailure | null;
  declare loadError: string;
  declare text: Record<SettingName, string>;
  declare errors: FieldErrors;

  private readonly uid = `wbp${ids++}`;

  constructor() {
    super();
    this.settings = { backend: "auto", lr: 0.01, steps: 1000, batch: 32, seed: 1, seeds: 1 };
    this.fields = ["backend", "lr", "steps", "seed", "seeds"];
    this.state = "idle";
    this.step = 0;
    this.total = 0;
    this.stepsPerSecond = 0;
    this.secondsLeft = null;
    this.status = "";
    this.hide = [];
    this.summary = "";
    this.backendInfo = "";
    this.failure = null;
    this.loadError = "";
    this.text = settingsText(this.settings);
    this.errors = {};
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has("settings")) {
      this.text = settingsText(this.settings);
      this.errors = {};
    }
  }

  private emit(name: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  /** The form's text as settings; fields this page does not show keep their defaults. */
  private parsed() {
    const text = { ...settingsText(this.settings) };
    for (const f of this.fields) text[f] = this.text[f];
    return parseSettings(text);
  }

  /** Validate the form and announce a start; returns false (with messages at the fields) when refused. */
  submit(event = "wb-start"): boolean {
    const r = this.parsed();
    if (!r.ok) {
      this.errors = r.errors;
      return false;
    }
    this.errors = {};
    this.emit(event, { settings: r.settings });
    return true;
  }

  private shows(control: string): boolean {
    return !this.hide.includes(control);
  }

  private onSubmit(e: Event): void {
    e.preventDefault();
    if (!this.submit()) {
      void this.updateComplete.then(() =>
        this.renderRoot.querySelector<HTMLElement>("[aria-invalid=true]")?.focus(),
      );
    }
  }

  private onInput(name: SettingName, e: Event): void {
    const v = (e.target as HTMLInputElement | HTMLSelectElement).value;
    this.text = { ...this.text, [name]: v };
    if (this.errors[name]) this.errors = { ...this.errors, [name]: undefined };
  }

  private async onFile(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    const size = file.size;
    // The size is checked before a byte is read: a huge file would stall or kill the page.
    const form = this.parsed();
    const settings = form.ok ? form.settings : null;
    if (size > MAX_WEIGHTS_BYTES) this.emit("wb-load", { name: file.name, size });
    else if (file.name.endsWith(".safetensors"))
      this.emit("wb-load", {
        bytes: new Uint8Array(await file.arrayBuffer()),
        name: file.name,
        size,
        settings,
      });
    else this.emit("wb-load", { text: await file.text(), name: file.name, size, settings });
    input.value = "";
  }

  private field(name: SettingName) {
    const id = `${this.uid}-${name}`;
    const err = this.errors[name];
    const busy = this.state === "running" || this.state === "starting";
    const control =
      name === "backend"
        ? html`<select id=${id} .value=${this.text.backend} ?disabled=${busy} @change=${(e: Event) => this.onInput(name, e)}>
            ${BACKEND_CHOICES.map((c) => html`<option value=${c} ?selected=${c === this.text.backend}>${c === "webgpu" ? "WebGPU" : c === "cpu" ? "CPU" : c === "wasm" ? "wasm (WebAssembly SIMD)" : "auto"}</option>`)}
          </select>`
        : html`<input id=${id} name=${name} inputmode="decimal" autocomplete="off" .value=${this.text[name]}
            ?disabled=${busy} aria-invalid=${err ? "true" : "false"} aria-describedby=${`${id}-msg`}
            @input=${(e: Event) => this.onInput(name, e)} />`;
    return html`<div class="field">
      <label for=${id}>${LABELS[name]}${HINTS[name] ? html` <small>(${HINTS[name]})</small>` : nothing}</label>
      ${control}
      <span id=${`${id}-msg`} class="msg" role=${err ? "alert" : nothing}>${err ?? ""}</span>
    </div>`;
  }

  private progress() {
    const { step, total, stepsPerSecond: r } = this;
    const line = this.status
      ? html`<p class="status" role="status">${this.status}…</p>`
      : this.summary && this.state === "done"
        ? html`<p class="status summary" role="status">${this.summary}.</p>`
        : nothing;
    if (!total) return line;
    const left = this.secondsLeft ?? (r > 0 && step < total ? (total - step) / r : 0);
    return html`<div class="progress" aria-live="polite">
      <progress max=${total} value=${step} aria-label="training progress"></progress>
      <span>step ${step.toLocaleString("en")} / ${total.toLocaleString("en")}</span>
      ${r > 0 ? html`<span>${r >= 10 ? Math.round(r) : r.toFixed(1)} steps/s</span>` : nothing}
      ${r > 0 && step < total && this.state === "running" ? html`<span class="left">${timeLeftText(left)}</span>` : nothing}
    </div>${line}`;
  }

  override render() {
    const s = this.state;
    const running = s === "running" || s === "starting";
    const hasRun = s !== "idle";
    return html`
      <form @submit=${this.onSubmit} novalidate>
        <div class="fields">${this.fields.filter((f) => this.shows(f)).map((f) => this.field(f))}</div>
        <div class="buttons">
          <button type="submit" ?disabled=${running}>Start</button>
          ${this.shows("pause") ? html`<button type="button" ?disabled=${s !== "running"} @click=${() => this.emit("wb-pause")}>Pause</button>` : nothing}
          ${this.shows("resume") ? html`<button type="button" ?disabled=${s !== "paused"} @click=${() => this.emit("wb-resume")}>Resume</button>` : nothing}
          ${this.shows("step") ? html`<button type="button" title="train one step, then pause" ?disabled=${!(s === "idle" || s === "paused")} @click=${() => this.submit("wb-step")}>Step</button>` : nothing}
          ${this.shows("reset") ? html`<button type="button" ?disabled=${!hasRun} @click=${() => this.emit("wb-reset")}>Reset</button>` : nothing}
          ${
            this.shows("save")
              ? html`<button type="button" ?disabled=${!hasRun || s === "starting"} @click=${() => this.emit("wb-save")}>Save weights</button>
          <button type="button" ?disabled=${!hasRun || s === "starting"} @click=${() => this.emit("wb-save-torch")}>Download for PyTorch</button>`
              : nothing
          }
          ${this.shows("load") ? html`<label class="file">Load weights <input type="file" accept=".json,application/json,.safetensors" ?disabled=${running} @change=${this.onFile} /></label>` : nothing}
          <span class="state" data-state=${s}>${s}</span>
        </div>
      </form>
      ${this.loadError ? html`<p class="error" role="alert">Could not load weights: ${this.loadError}</p>` : nothing}
      ${this.progress()}
      ${this.backendInfo ? html`<p class="backend">${this.backendInfo}</p>` : nothing}
      ${
        this.failure
          ? html`<div class="failure" role="alert">
            <p><strong>Training stopped.</strong> ${this.failure.message}</p>
            <p>The charts keep the last good state${this.failure.canContinueOnCpu ? "; training can go on from the last checkpoint on the CPU." : "."}</p>
            ${this.failure.canContinueOnCpu ? html`<button type="button" @click=${() => this.emit("wb-continue-cpu")}>Continue on CPU</button>` : nothing}
          </div>`
          : nothing
      }
    `;
  }

  static override styles = css`
    :host { display: block; font: 14px/1.4 system-ui, sans-serif; }
    .fields { display: flex; flex-wrap: wrap; gap: 0.5em 1em; }
    .field { display: flex; flex-direction: column; min-width: 7.5em; }
    label { font-weight: 600; font-size: 13px; }
    small { font-weight: 400; color: #555; }
    input, select { font: inherit; padding: 2px 4px; width: 7em; }
    input[aria-invalid="true"] { border: 2px solid #b00020; }
    .msg { color: #b00020; font-size: 12px; min-height: 1.2em; max-width: 12em; }
    .buttons { display: flex; flex-wrap: wrap; gap: 0.4em; align-items: center; margin-top: 0.3em; }
    button, .file { font: inherit; padding: 3px 10px; }
    .file { border: 1px solid #888; border-radius: 3px; font-weight: 400; cursor: pointer; }
    .file input { width: 13em; font-size: 12px; }
    .file:focus-within { outline: 2px solid #0072b2; }
    .state { margin-left: 0.5em; color: #555; font-style: italic; }
    .status { margin: 0.2em 0; color: #333; font-size: 13px; }
    .status.summary { color: #1a5e3a; }
    .progress { display: flex; gap: 1em; align-items: center; margin-top: 0.4em; font-variant-numeric: tabular-nums; }
    progress { width: 14em; }
    .backend { color: #444; font-size: 13px; margin: 0.3em 0; }
    .error { color: #b00020; }
    .failure { border: 2px solid #b00020; background: #fff4f4; padding: 0.2em 0.8em 0.6em; margin-top: 0.5em; }
  `;
}

customElements.define("wb-trainer-panel", WbTrainerPanel);

declare global {
  interface HTMLElementTagNameMap {
    "wb-trainer-panel": WbTrainerPanel;
  }
}
