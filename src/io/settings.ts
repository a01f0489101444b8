// Reading training settings from text: the trainer panel's fields, and the settings a weights file carries. Every
// value is checked here, and a bad one comes back as a message for its field, so nothing starts on an empty,
// negative, NaN or absurd value.

import { BACKEND_CHOICES, type BackendChoice } from "../backend/select";
import type { TrainSettings } from "./types";

export type SettingName = keyof TrainSettings;

/** Bounds per numeric field. The upper bounds keep a slip of the keyboard from running for days or out of memory. */
export interface Limits {
  lr: [number, number];
  steps: [number, number];
  batch: [number, number];
  seed: [number, number];
  seeds: [number, number];
}

export const DEFAULT_LIMITS: Limits = {
  // Above 10 every model here diverges at once; 0 would not train at all.
  lr: [1e-6, 10],
  steps: [1, 1_000_000],
  batch: [1, 1024],
  seed: [0, 2 ** 31 - 1],
  // 64 seeds of the largest regression model still fit one small batched dispatch per layer.
  seeds: [1, 64],
};

const INTEGER: Record<Exclude<SettingName, "backend">, boolean> = {
  lr: false,
  steps: true,
  batch: true,
  seed: true,
  seeds: true,
};

export type FieldErrors = Partial<Record<SettingName, string>>;

export type ParseResult = { ok: true; settings: TrainSettings } | { ok: false; errors: FieldErrors };

/** One numeric field from its text: a number, or the message to show at the field. */
export function parseField(
  name: Exclude<SettingName, "backend">,
  text: string,
  limits = DEFAULT_LIMITS,
): number | string {
  const t = text.trim();
  if (t === "") return "required";
  // Number("") is 0 and Number("1e3") is 1000: reject anything that is not a plain decimal or exponent literal.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return "not a number";
  const v = Number(t);
  if (!Number.isFinite(v)) return "not a finite number";
  const [lo, hi] = limits[name];
  if (INTEGER[name] && !Number.isInteger(v)) return "must be a whole number";
  if (v < lo) return v < 0 ? "must not be negative" : `must be at least ${lo}`;
  if (v > hi) return `too large: at most ${hi.toLocaleString("en")}`;
  return v;
}

/** All fields at once; `text` holds the raw field values by name. */
export function parseSettings(text: Record<SettingName, string>, limits = DEFAULT_LIMITS): ParseResult {
  const errors: FieldErrors = {};
  const backend = BACKEND_CHOICES.find((c) => c === text.backend);
  if (!backend) errors.backend = `choose one of ${BACKEND_CHOICES.join(", ")}`;
  const out: Partial<Record<SettingName, number>> = {};
  for (const name of ["lr", "steps", "batch", "seed", "seeds"] as const) {
    const v = parseField(name, text[name], limits);
    if (typeof v === "string") errors[name] = v;
    else out[name] = v;
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    settings: {
      backend: backend as BackendChoice,
      lr: out.lr!,
      steps: out.steps!,
      batch: out.batch!,
      seed: out.seed!,
      seeds: out.seeds!,
    },
  };
}

/** The settings as field texts (to fill the form). */
export function settingsText(s: TrainSettings): Record<SettingName, string> {
  return {
    backend: s.backend,
    lr: String(s.lr),
    steps: String(s.steps),
    batch: String(s.batch),
    seed: String(s.seed),
    seeds: String(s.seeds),
  };
}
