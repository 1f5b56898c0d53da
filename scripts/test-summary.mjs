// `node scripts/test-summary.mjs <report.json> <errors.json> <vitest exit code>`: the closing line of
// `./marquee test`, "N passed, N failed, N skipped", which never says 0 failed for a failed run.
import { existsSync, readFileSync } from 'node:fs';

const [reportFile, errorsFile, exitCode = '0'] = process.argv.slice(2);
const r = JSON.parse(readFileSync(reportFile, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
// A file that failed outside its tests (load error, failing beforeAll/afterAll) counts as one failure.
const brokenFiles = (r.testResults ?? []).filter(
  (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
).length;
// Each unhandled error (a rejection after a test, an exception in a timer) failed the run; the JSON report omits them.
const unhandled =
  errorsFile && existsSync(errorsFile) ? JSON.parse(readFileSync(errorsFile, 'utf8')).unhandledErrors : 0;
let failed = r.numFailedTests + brokenFiles + unhandled;
// Whatever else made vitest exit non-zero is one failure more.
if (failed === 0 && exitCode !== '0') failed = 1;
console.log(`${r.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
