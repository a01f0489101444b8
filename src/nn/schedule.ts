// Learning-rate schedules: a multiplier of the base rate per step (0-based).

export type Schedule =
  | { kind: "constant" }
  | { kind: "cosine"; warmup: number; total: number; minFactor?: number };

/** lr at `step`: constant, or linear warmup over `warmup` steps then cosine decay to minFactor·lr at `total`. */
export function scheduledLr(base: number, s: Schedule, step: number): number {
  if (s.kind === "constant") return base;
  const min = s.minFactor ?? 0.1;
  if (step < s.warmup) return (base * (step + 1)) / s.warmup;
  const span = Math.max(1, s.total - s.warmup);
  const progress = Math.min(1, (step - s.warmup) / span);
  return base * (min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
