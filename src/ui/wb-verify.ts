// <wb-verify>: runs every kernel check on this browser's GPU against the CPU reference and shows a table.
// Also publishes its state on `window.__verify` so headless runs (npm test, npm run verify) can read it.

import { css, html, LitElement } from "lit";
import { WebGPUBackend } from "../backend/webgpu";
import type { VerifyCase } from "../kernels/case";
import { allCases } from "../kernels/index";
import { type VerifyReport, type VerifyResult, verifyAll } from "../verify/run";

export interface VerifyState {
  state: "idle" | "running" | "done" | "error";
  done: number;
  total: number;
  report?: VerifyReport;
  error?: string;
}

declare global {
  interface Window {
    __verify?: VerifyState;
  }
}

function num(x: number): string {
  return Number.isFinite(x) ? x.toExponential(1) : String(x);
}

export class WbVerify extends LitElement {
  static override properties = {
    filter: { type: String },
    autorun: { type: Boolean },
    status: { state: true },
    results: { state: true },
    adapter: { state: true },
    fallbacks: { state: true },
  };

  /** Only cases whose id contains this text (e.g. "matmul/naive"). */
  declare filter: string;
  declare autorun: boolean;
  declare status: VerifyState;
  declare results: VerifyResult[];
  declare adapter: string;
  /** Requests the asked-for variant could not serve, run on another path instead (backend.fallbacks). */
  declare fallbacks: Record<string, number>;

  constructor() {
    super();
    this.filter = "";
    this.autorun = false;
    this.status = { state: "idle", done: 0, total: 0 };
    this.results = [];
    this.adapter = "";
    this.fallbacks = {};
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.autorun) void this.run();
  }

  private publish(s: VerifyState): void {
    this.status = s;
    if (import.meta.env.DEV) window.__verify = s;
  }

  async run(): Promise<void> {
    if (this.status.state === "running") return;
    const cases: VerifyCase[] = allCases().filter((c) => c.id.includes(this.filter));
    this.results = [];
    this.publish({ state: "running", done: 0, total: cases.length });
    try {
      const gpu = await WebGPUBackend.create();
      this.adapter = gpu.description;
      const report = await verifyAll(cases, gpu, (r, done, total) => {
        this.results = [...this.results, r];
        this.fallbacks = { ...gpu.fallbacks };
        this.publish({ state: "running", done, total });
      });
      this.publish({ state: "done", done: cases.length, total: cases.length, report });
    } catch (e) {
      const err = e as Error;
      this.publish({ state: "error", done: 0, total: cases.length, error: `${err.name}: ${err.message}` });
    }
  }

  static override styles = css`
    :host { display: block; font: 14px/1.4 system-ui, sans-serif; }
    table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
    th, td { padding: 2px 8px; text-align: left; border-bottom: 1px solid #ddd; }
    td.num { text-align: right; font-family: ui-monospace, monospace; }
    .pass { color: #17702a; }
    .fail { color: #b00020; font-weight: 600; }
    .error { color: #b00020; }
    progress { width: 20em; }
    caption { text-align: left; color: #555; padding-bottom: 0.2em; }
    table.summary { margin-bottom: 0.8em; }
    details { margin: 0.2em 0; }
    summary { cursor: pointer; }
    details table { margin: 0.3em 0 0.6em 1em; }
  `;

  override render() {
    const s = this.status;
    const failed = this.results.filter((r) => !r.pass).length;
    return html`
      <p>
        <button @click=${() => this.run()} ?disabled=${s.state === "running"}>Verify my GPU</button>
        ${s.state === "running" ? html`<progress max=${s.total} value=${s.done}></progress> ${s.done} / ${s.total}` : ""}
        ${s.state === "done" ? html`<strong class=${failed ? "fail" : "pass"}>${s.total - failed} passed, ${failed} failed</strong>` : ""}
      </p>
      ${this.adapter ? html`<p>Adapter: <code>${this.adapter}</code></p>` : ""}
      ${s.error ? html`<p class="error" role="alert">${s.error}</p>` : ""}
      ${this.fallbackNote()}
      ${this.results.length ? this.table() : ""}
    `;
  }

  private fallbackNote() {
    const entries = Object.entries(this.fallbacks);
    if (!entries.length) return "";
    return html`<p>
      Fallbacks (a request its variant cannot serve runs on another path, counted here):
      ${entries.map(([what, n]) => html`<code>${what}</code> × ${n} `)}
    </p>`;
  }

  private table() {
    const kernels = [...new Set(this.results.map((r) => r.kernel))];
    return html`<table class="summary">
        <caption>One row per kernel: its cases on every variant; open a kernel for its cases.</caption>
        <thead><tr><th>kernel</th><th>variants</th><th>cases passed</th><th>worst |gpu − ref|</th><th>its atol + rtol</th><th>worst relative error</th></tr></thead>
        <tbody>${kernels.map((k) => this.summaryRow(k))}</tbody>
      </table>
      ${kernels.map((k) => this.details(k))}`;
  }

  /** A kernel's cases at a glance: how many passed, and the largest error next to the tolerance of its case. */
  private summaryRow(kernel: string) {
    const rs = this.results.filter((r) => r.kernel === kernel);
    const passed = rs.filter((r) => r.pass).length;
    const key = (x: number) => (Number.isFinite(x) ? x : Infinity);
    const worst = rs.reduce((w, r) => (key(r.maxAbsErr) > key(w.maxAbsErr) ? r : w), rs[0]!);
    const worstRel = rs.reduce((w, r) => Math.max(w, key(r.maxRelErr)), 0);
    return html`<tr>
      <td><a href=${`#verify-${kernel}`} @click=${(e: Event) => this.open(e, kernel)}>${kernel}</a></td>
      <td>${new Set(rs.map((r) => r.variant)).size}</td>
      <td class=${passed === rs.length ? "pass" : "fail"}>${passed} / ${rs.length}</td>
      <td class="num">${num(worst.maxAbsErr)}</td><td class="num">${num(worst.atol)} + ${num(worst.rtol)}·|ref|</td>
      <td class="num">${num(worstRel)}</td>
    </tr>`;
  }

  private open(e: Event, kernel: string): void {
    e.preventDefault();
    const d = this.renderRoot.querySelector<HTMLDetailsElement>(`#verify-${CSS.escape(kernel)}`);
    if (d) {
      d.open = true;
      d.scrollIntoView({ block: "start" });
    }
  }

  private details(kernel: string) {
    const rs = this.results.filter((r) => r.kernel === kernel);
    const failed = rs.some((r) => !r.pass);
    return html`<details id=${`verify-${kernel}`} ?open=${failed}>
      <summary>${kernel}: ${rs.length} cases${failed ? html` <span class="fail">(failures)</span>` : ""}</summary>
      <table>
        <thead><tr><th>variant</th><th>case</th><th>shape</th><th>max abs err</th><th>max rel err</th><th>atol</th><th>rtol</th><th>result</th></tr></thead>
        <tbody>
          ${rs.map(
            (r) => html`<tr title=${r.detail ?? ""}>
              <td>${r.variant}</td><td>${r.id.split("/").slice(2).join("/")}</td><td>${r.shape}</td>
              <td class="num">${num(r.maxAbsErr)}</td><td class="num">${num(r.maxRelErr)}</td>
              <td class="num">${num(r.atol)}</td><td class="num">${num(r.rtol)}</td>
              <td class=${r.pass ? "pass" : "fail"}>${r.pass ? "pass" : `FAIL ${r.detail ?? ""}`}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </details>`;
  }
}

customElements.define("wb-verify", WbVerify);
