// Runs the "verify my GPU" page headless and returns its report: the path shared by `npm test` and `npm run verify`.

import type { VerifyState } from "../../src/ui/wb-verify";
import type { VerifyReport } from "../../src/verify/run";
import { openPage, type Session } from "./browser";

export async function runVerifyPage(
  filter = "",
  onProgress?: (done: number, total: number) => void,
): Promise<{ report: VerifyReport; session: Session }> {
  const session = await openPage(`/demos/verify/?run&filter=${encodeURIComponent(filter)}`);
  try {
    for (;;) {
      const s = (await session.page.evaluate(() => window.__verify ?? null)) as VerifyState | null;
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
