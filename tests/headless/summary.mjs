// Prints `N passed, M failed` alone on a line from a vitest JSON report, for CI logs that look for that line.
//
//   node tests/headless/summary.mjs REPORT.json [EXIT_CODE]
//
// Exits with EXIT_CODE when given (vitest's own, so a failed run stays failed), else 1 when anything failed.
// vitest counts only failed tests; an import error or a failing beforeAll fails a suite while its tests show as
// skipped. Each such suite-level failure is counted here as one failure, so a broken setup never reads "0 failed".
import { readFileSync } from "node:fs";

const [file, code] = process.argv.slice(2);
if (!file) {
  console.error("usage: node tests/headless/summary.mjs REPORT.json [EXIT_CODE]");
  process.exit(2);
}
const given = code === undefined ? null : Number(code);

let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (e) {
  console.error(`summary: no readable vitest report at ${file} (${e.message})`);
  process.exit(given || 1);
}

// Suites (files and describe blocks) that failed because a test inside them failed.
const explained = new Set();
for (const f of report.testResults ?? []) {
  for (const t of f.assertionResults ?? []) {
    if (t.status !== "failed") continue;
    explained.add(f.name);
    const path = [f.name];
    for (const title of t.ancestorTitles ?? []) {
      path.push(title);
      explained.add(path.join(" > "));
    }
  }
}
const outsideTests = Math.max(0, (report.numFailedTestSuites ?? 0) - explained.size);
const passed = report.numPassedTests ?? 0;
let failed = (report.numFailedTests ?? 0) + outsideTests;
if (failed === 0 && report.success === false) failed = 1; // e.g. an unhandled error between tests

const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
if (outsideTests) console.log(`(${outsideTests} suite-level failure(s): import error or failed hook)`);
if (skipped) console.log(`(${skipped} skipped)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(given ?? (failed > 0 ? 1 : 0));
