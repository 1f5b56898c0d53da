import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  it("When packages import their own files, then each loads as Node alone loads it: a nested package.json's type, a missing file's error code", () => {
    // An ESM package with a CommonJS folder of its own and a nested import path, and a CommonJS package: the hook
    // answers their relative imports itself (register.mjs), so every case where the answer could differ is here.
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-runtime-'));
    const file = (name: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    };
    file('node_modules/dual/package.json', '{"name":"dual","type":"module","exports":"./index.js"}');
    file(
      'node_modules/dual/index.js',
      "import { a } from './lib/deep/a.js';\nimport legacy from './cjs/legacy.js';\n" +
        "let missing;\ntry { await import('./nope.js'); } catch (e) { missing = e.code; }\n" +
        'export default { a, legacy, missing };\n',
    );
    file('node_modules/dual/lib/deep/a.js', "import { up } from '../../up.js';\nexport const a = 'a' + up;\n");
    file('node_modules/dual/up.js', "export const up = '!';\n");
    file('node_modules/dual/cjs/package.json', '{"type":"commonjs"}');
    file('node_modules/dual/cjs/legacy.js', 'module.exports = { kind: typeof require };\n');
    file('node_modules/old/package.json', '{"name":"old","type":"commonjs","main":"index.js"}');
    file(
      'node_modules/old/index.js',
      "let missing;\ntry { require('./gone.js'); } catch (e) { missing = e.code; }\n" +
        "module.exports = { inner: require('./lib/inner.js').v, missing };\n",
    );
    file('node_modules/old/lib/inner.js', "exports.v = 'inner';\n");
    file('main.mjs', "import dual from 'dual';\nimport old from 'old';\nconsole.log(JSON.stringify({ dual, old }));\n");
    const runIn = (args: readonly string[]) =>
      spawnSync(process.execPath, [...args, path.join(dir, 'main.mjs')], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 30_000,
      });
    const plain = runIn([]);
    const hooked = runIn(runtimeArgs);
    expect(plain.stderr).toBe('');
    expect(JSON.parse(plain.stdout)).toEqual({
      dual: { a: 'a!', legacy: { kind: 'function' }, missing: 'ERR_MODULE_NOT_FOUND' },
      old: { inner: 'inner', missing: 'MODULE_NOT_FOUND' },
    });
    expect(hooked.stderr).toBe('');
    expect(hooked.stdout).toBe(plain.stdout);
  });
});
