// Runs the "verify my GPU" page headless and returns its report: the path shared by `npm test` and `npm run verify`.

import type { VerifyState } from "../../src/ui/wb-verify";
import type { VerifyReport } from "../../src/verify/run";
import { openPage, type Session } from "./browser";

// page.evaluate() returns values through JSON, where Infinity and NaN become null; a failed case reports
// maxAbsErr = Infinity, so the page side tags non-finite numbers and this side turns them back into numbers.
const TAG = "$nonFinite";

function revive(_key: string, value: unknown): unknown {
  if (value && typeof value === "object" && TAG in value)
    return Number((value as Record<string, string>)[TAG]);
  return value;
}

async function readState(session: Session): Promise<VerifyState | null> {
  const text = await session.page.evaluate(
    (tag) =>
      JSON.stringify(window.__verify ?? null, (_k, v) =>
        typeof v === "number" && !Number.isFinite(v) ? { [tag]: String(v) } : v,
      ),
    TAG,
  );
  return JSON.parse(text, revive) as VerifyState | null;
}

export async function runVerifyPage(
  filter = "",
  onProgress?: (done: number, total: number) => void,
): Promise<{ report: VerifyReport; session: Session }> {
  const session = await openPage(`/demos/verify/?run&filter=${encodeURIComponent(filter)}`);
  try {
    for (;;) {
      const s = await readState(session);
      if (s?.state === "done" && s.report) return { report: s.report, session };
      if (s?.state === "error") throw new Error(`verify page: ${s.error}`);
      if (s) onProgress?.(s.done, s.total);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    await session.close();
    throw e;
  }
}
