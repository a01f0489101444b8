// The page URL as the record of a run: every training setting (backend, lr, steps, batch, seed, seeds), the stage
// (grain page) and the classroom option `hide=` (controls a teacher's link leaves out). Opening the URL again
// gives the same settings, so the same seeds train to the same losses.

import { parseSettings, type SettingName, settingsText } from "../io/settings";
import type { TrainSettings } from "../io/types";

export const URL_SETTINGS: readonly SettingName[] = ["backend", "lr", "steps", "batch", "seed", "seeds"];

/** Whether the URL names any training setting (then only a run stored with those settings resumes). */
export function urlHasSettings(search: string): boolean {
  const q = new URLSearchParams(search);
  return URL_SETTINGS.some((n) => q.has(n));
}

/**
 * The settings the URL asks for on top of `defaults`, checked with the form's rules; a value the form would refuse
 * leaves every setting at its default and comes back as `error`.
 */
export function urlSettings(
  defaults: TrainSettings,
  search: string,
): { settings: TrainSettings; error: string } {
  const q = new URLSearchParams(search);
  const text = settingsText(defaults);
  for (const n of URL_SETTINGS) {
    const v = q.get(n);
    if (v !== null) text[n] = v;
  }
  const r = parseSettings(text);
  if (r.ok) return { settings: r.settings, error: "" };
  const why = Object.entries(r.errors)
    .map(([k, m]) => `${k}: ${m}`)
    .join("; ");
  return { settings: defaults, error: `the link's settings were refused (${why}); the defaults are shown` };
}

/** The URL with `settings` written into it (other parameters kept). */
export function withSettings(href: string, settings: TrainSettings): string {
  const url = new URL(href);
  const text = settingsText(settings);
  for (const n of URL_SETTINGS) url.searchParams.set(n, text[n]);
  return url.toString();
}

/** The controls `hide=a,b` names (classroom links). */
export function hiddenControls(search: string): string[] {
  return (new URLSearchParams(search).get("hide") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
