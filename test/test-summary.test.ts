/** The closing line of `./marquee test` (scripts/test-summary.mjs), from vitest's report, unhandled errors and exit code. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/test-summary.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'marquee-summary-'));

function summary(report: object, unhandledErrors: number | undefined, exitCode: number): string {
  const reportFile = path.join(dir, 'report.json');
  const errorsFile = path.join(dir, `errors-${unhandledErrors}.json`);
  writeFileSync(reportFile, JSON.stringify(report));
  if (unhandledErrors !== undefined) writeFileSync(errorsFile, JSON.stringify({ unhandledErrors }));
  return execFileSync(process.execPath, [script, reportFile, errorsFile, String(exitCode)], {
    encoding: 'utf8',
  }).trim();
}

const report = (passed: number, failed: number, files: object[] = []) => ({
  numPassedTests: passed,
  numFailedTests: failed,
  numPendingTests: 1,
  numTodoTests: 0,
  testResults: files,
});

describe('./marquee test summary line', () => {
  it('When every test passes, then it says 0 failed', () => {
    expect(summary(report(229, 0), 0, 0)).toBe('229 passed, 0 failed, 1 skipped');
  });

  it('When tests pass but vitest caught unhandled errors, then each counts as a failure', () => {
    expect(summary(report(229, 0), 2, 1)).toBe('229 passed, 2 failed, 1 skipped');
  });

  it('When a file fails outside its tests, then it counts as one failure', () => {
    const broken = { status: 'failed', assertionResults: [{ status: 'passed' }] };
    expect(summary(report(3, 0, [broken]), 0, 1)).toBe('3 passed, 1 failed, 1 skipped');
  });

  it('When vitest exits non-zero and nothing explains it, then it still says 1 failed', () => {
    expect(summary(report(5, 0), undefined, 1)).toBe('5 passed, 1 failed, 1 skipped');
  });
});
