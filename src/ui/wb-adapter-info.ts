// <wb-adapter-info>: which WebGPU adapter this browser gives (vendor, architecture, description), or why there is
// none and that the CPU backend will be used instead. Publishes what it found on `window.__adapter` for tests.

import { css, html, LitElement, nothing } from "lit";
import { type AdapterSummary, acquireGpu } from "../gpu/device";

declare global {
  interface Window {
    __adapter?: { ok: boolean; info?: AdapterSummary; reason?: string };
  }
}

export class WbAdapterInfo extends LitElement {
  static override properties = { info: { state: true }, reason: { state: true } };

  declare info: AdapterSummary | null;
  declare reason: string;

  constructor() {
    super();
    this.info = null;
    this.reason = "";
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.probe();
  }

  private async probe(): Promise<void> {
    try {
      const gpu = await acquireGpu();
      this.info = gpu.info;
      // Only the adapter's description was wanted: give the device back.
      gpu.device.destroy();
      if (import.meta.env.DEV) window.__adapter = { ok: true, info: gpu.info };
    } catch (e) {
      this.reason = (e as Error).message;
      if (import.meta.env.DEV) window.__adapter = { ok: false, reason: this.reason };
    }
  }

  override render() {
    const i = this.info;
    if (i) {
      return html`<div class="ok">
        <strong>WebGPU adapter found.</strong> On "auto", the first run of a model times a few steps on it and on the
        wasm backend (WebAssembly SIMD on every core) and trains on the faster, remembered for later runs.
        <dl>
          <dt>vendor</dt><dd>${i.vendor || "–"}</dd>
          <dt>architecture</dt><dd>${i.architecture || "–"}</dd>
          <dt>description</dt><dd>${i.description || "–"}</dd>
        </dl>
        ${i.software ? html`<p>This is a software adapter: the GPU is emulated on the CPU, so expect WebGPU to be slower than the wasm and CPU backends here.</p>` : nothing}
      </div>`;
    }
    if (this.reason) {
      return html`<div class="none" role="status"><strong>WebGPU is unavailable:</strong> ${this.reason}.
        <p>Every page still works: training uses the wasm backend (WebAssembly SIMD) instead, or the CPU backend
        (plain JavaScript) where WebAssembly SIMD is missing.</p></div>`;
    }
    return html`<p>Looking for a WebGPU adapter…</p>`;
  }

  static override styles = css`
    :host { display: block; font: 15px/1.45 system-ui, sans-serif; }
    .ok, .none { border-left: 4px solid #009e73; padding: 0.3em 1em; background: #f3faf7; }
    .none { border-color: #e69f00; background: #fff8ec; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 1em; margin: 0.4em 0; }
    dt { color: #555; }
    dd { margin: 0; font-family: ui-monospace, monospace; }
    p { margin: 0.3em 0; }
  `;
}

customElements.define("wb-adapter-info", WbAdapterInfo);
