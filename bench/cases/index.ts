// Every benchmark group of a run, in order, built lazily; `--filter` keeps the runners whose "case shape impl"
// contains one of its comma-separated texts (a group left with no runner is dropped).

import type { Group } from "../lib/harness";
import { attentionBackwardGroup, attentionForwardGroup } from "./attention";
import { charGptGroup } from "./char-gpt";
import type { BenchContext } from "./common";
import { matmulGroup } from "./matmul";
import { makePlan } from "./plan";
import { softmaxGroup } from "./softmax";
import { trainingGroup } from "./training";

export interface GroupEntry {
  /** e.g. "matmul 256x256x256", for progress lines. */
  title: string;
  make(): Group;
}

export function groupList(ctx: BenchContext): GroupEntry[] {
  const plan = makePlan(ctx.quick);
  const b = plan.budget;
  const out: GroupEntry[] = [];
  for (const n of plan.matmulSquare)
    out.push({ title: `matmul ${n}³`, make: () => matmulGroup(ctx, n, n, n, b) });
  for (const [M, K, N] of plan.matmulSkinny) {
    out.push({ title: `matmul ${M}x${K}x${N}`, make: () => matmulGroup(ctx, M, K, N, b) });
  }
  for (const [rows, width] of plan.softmax) {
    out.push({ title: `softmax ${rows}x${width}`, make: () => softmaxGroup(ctx, rows, width, b) });
  }
  const { B, H, d } = plan.attention;
  for (const T of plan.attention.T) {
    out.push({ title: `attention T=${T}`, make: () => attentionForwardGroup(ctx, { B, H, T, d }, b) });
  }
  for (const T of plan.attention.backwardT) {
    out.push({
      title: `attention backward T=${T}`,
      make: () => attentionBackwardGroup(ctx, { B, H, T, d }, b),
    });
  }
  for (const m of ["experts-attention", "transformer"] as const) {
    out.push({ title: `train ${m}`, make: () => trainingGroup(ctx, m, plan.trainSteps, plan.trainBudget) });
  }
  out.push({ title: "train char-gpt small", make: () => charGptGroup(ctx, plan.charGpt) });
  return out;
}

/** Whether a runner is kept by the filter texts (none: everything). */
export function kept(filter: readonly string[], caseName: string, shape: string, impl: string): boolean {
  if (filter.length === 0) return true;
  const id = `${caseName} ${shape} ${impl}`;
  return filter.some((f) => id.includes(f));
}
