import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Writes how many unhandled errors (rejections, exceptions outside tests) the run had: vitest fails the run
 * for them but its JSON report leaves them out, so `./marquee test` counted a failed run as "0 failed".
 */
export default class UnhandledErrorsReporter implements Reporter {
  private readonly opts: { outputFile: string };
  constructor(opts: { outputFile: string }) {
    this.opts = opts;
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    mkdirSync(path.dirname(this.opts.outputFile), { recursive: true });
    writeFileSync(
      this.opts.outputFile,
      `${JSON.stringify({ unhandledErrors: unhandledErrors.length, messages: unhandledErrors.map((e) => e.message) })}\n`,
    );
  }
}
