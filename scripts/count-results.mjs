// Reads a Vitest or Playwright JSON report and prints "name<TAB>passed<TAB>failed<TAB>skipped".
// A missing or unreadable report counts as one failure, so a crashed runner never reads as green.
import fs from "node:fs";

const [kind, file] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(fs.readFileSync(file, "utf8"));
  if (kind === "vitest") {
    passed = report.numPassedTests;
    failed = report.numFailedTests + (report.numFailedTestSuites ?? 0);
    skipped = report.numPendingTests + report.numTodoTests;
    if (!report.success && failed === 0) failed = 1;
  } else {
    passed = report.stats.expected + report.stats.flaky;
    failed = report.stats.unexpected + (report.errors?.length ?? 0);
    skipped = report.stats.skipped;
  }
} catch (err) {
  console.error(`${kind}: could not read ${file}: ${err.message}`);
  failed = 1;
}
console.log(`${kind}\t${passed}\t${failed}\t${skipped}`);
