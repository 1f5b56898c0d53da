/**
 * The checks a reviewer runs by hand, run by the suite so CI holds them too: vitest strips types without checking
 * them, and nothing else ran the formatter and linter, so a type error in a file no test imports, or code that
 * `biome check` rejects, could land green.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);

async function outcome(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return run(cmd, args, { cwd: root, maxBuffer: 32 * 1024 * 1024, timeout: 240_000 }).then(
    (r) => ({ code: 0, output: `${r.stdout}${r.stderr}` }),
    (e: Error & { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof e.code === 'number' ? e.code : 1,
      output: `${e.stdout ?? ''}${e.stderr ?? e.message}`,
    }),
  );
}

describe('static checks', () => {
  it('When the workspace is type-checked (tsc over every package, service, bench and test), then there is no error', async () => {
    const { code, output } = await outcome(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
    expect(code, output.slice(0, 8000)).toBe(0);
  }, 300_000);

  it('When biome checks formatting and lint over the repository, then it reports no error', async () => {
    const { code, output } = await outcome(bin('biome'), ['check', '--max-diagnostics=50', '.']);
    expect(code, output.slice(-8000)).toBe(0);
  }, 300_000);
});
