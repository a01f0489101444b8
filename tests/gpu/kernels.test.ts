// Every kernel × variant × case, computed on WebGPU in headless Chromium (SwiftShader on GPU-less machines)
// and compared with the CPU reference. A case with no result is a failure: nothing here is skipped.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { allCases } from "../../src/kernels/index";
import type { VerifyReport, VerifyResult } from "../../src/verify/run";
import type { Session } from "../headless/browser";
import { runVerifyPage } from "../headless/verify-page";

// VERIFY_FILTER=softmax runs only the cases whose id contains "softmax" (for work on one kernel).
const filter = process.env.VERIFY_FILTER ?? "";
const cases = allCases().filter((c) => c.id.includes(filter));

let report: VerifyReport;
let session: Session | undefined;

beforeAll(async () => {
  ({ report, session } = await runVerifyPage(filter));
});

afterAll(async () => {
  await session?.close();
});

describe("WebGPU kernels against the CPU reference", () => {
  test("the adapter is reported", () => {
    expect(report.adapter.vendor + report.adapter.architecture).not.toBe("");
    console.log(`adapter: ${JSON.stringify(report.adapter)}`);
  });

  test("the page logged no errors", () => {
    expect(session?.errors ?? []).toEqual([]);
  });

  for (const c of cases) {
    test(c.id, () => {
      const r: VerifyResult | undefined = report.results.find((x) => x.id === c.id);
      expect(r, `no result for ${c.id}`).toBeDefined();
      expect(
        r!.pass,
        `${c.id} (${c.shape}): ${r!.detail}; maxAbsErr ${r!.maxAbsErr}, atol ${c.atol}, rtol ${c.rtol}`,
      ).toBe(true);
    });
  }
});
