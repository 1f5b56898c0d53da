import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimeArgs } from '../src/index.mjs';

const app = path.join(import.meta.dirname, 'fixtures/app');
const run = (entry: string) =>
  spawnSync(process.execPath, [...runtimeArgs, path.join(app, entry)], { cwd: app, encoding: 'utf8', timeout: 30_000 });

describe('TypeScript runtime', () => {
  it('When a .ts entry imports files and folders without extensions, then Node runs it with its own line numbers', () => {
    const r = run('main.ts');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { area: number; line: string };
    expect(out.area).toBe(9);
    // Types are stripped in place: the stack names the .ts file at the line and column written there.
    expect(out.line).toContain(`${path.join(app, 'main.ts')}:10:14`);
  });

  it('When an import names a module that does not exist, then the process fails naming it', () => {
    const r = run('broken.ts');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('ERR_MODULE_NOT_FOUND');
    expect(r.stderr).toContain('missing');
  });
});
