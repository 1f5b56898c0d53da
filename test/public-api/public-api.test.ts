/**
 * The public API document as client generators read it: the aggregated /openapi.json of a real
 * gateway in front of every real service passes Redocly's CLI (recommended rules) with no error, and
 * a client generated from it with openapi-typescript type-checks and makes one real call.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, uniqueName } from '../../packages/platform-testing/src/index';
import { type PublicApi, startPublicApi } from './platform';

const run = promisify(execFile);
const here = path.join(repoRoot, 'test/public-api');
const bin = (pkg: string) => path.join(repoRoot, 'node_modules', pkg);

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

// biome-ignore lint/suspicious/noExplicitAny: the document is walked as plain JSON
type Json = any;

describe('the public API document', () => {
  let api: PublicApi;
  let doc: Json;
  // Inside the repository, so the generated client resolves openapi-fetch from its node_modules.
  const work = path.join(here, '.generated', uniqueName('client'));
  const docFile = path.join(work, 'openapi.json');

  beforeAll(async () => {
    api = await startPublicApi('public_api');
    const res = await fetch(`${api.gateway.url}/openapi.json`);
    expect(res.status).toBe(200);
    doc = await res.json();
    await mkdir(work, { recursive: true });
    await writeFile(docFile, JSON.stringify(doc, null, 2));
  });
  afterAll(async () => {
    await api?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('When it is read, then it holds every service and says its version, servers, licence, operationIds, security and a 4xx for each operation', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.description).not.toContain('Not included right now');
    for (const prefix of [
      '/auth/',
      '/movies',
      '/me/interactions',
      '/me/recommendations',
      '/notifications',
      '/analytics',
    ])
      expect(Object.keys(doc.paths).some((p) => p.startsWith(`/api/v1${prefix}`))).toBe(true);
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.info.license.name).toBeTruthy();
    const ids = new Set<string>();
    for (const [p, item] of Object.entries<Json>(doc.paths))
      for (const [method, op] of Object.entries<Json>(item)) {
        expect(op.operationId, `${method} ${p}`).toMatch(/^[a-z][A-Za-z0-9]+$/);
        expect(ids.has(op.operationId), `${op.operationId} is unique`).toBe(false);
        ids.add(op.operationId);
        expect(Array.isArray(op.security), `${method} ${p} security`).toBe(true);
        expect(
          Object.keys(op.responses).some((s) => /^4\d\d$/.test(s)),
          `${method} ${p} 4xx`,
        ).toBe(true);
      }
    expect(doc.paths['/api/v1/movies'].get.operationId).toBe('getMovies');
    expect(doc.paths['/api/v1/movies'].get.security).toEqual([]);
    // The recommendation service's guarded routes declare nothing themselves: the guard they run is documented.
    expect(doc.paths['/api/v1/me/recommendations'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/api/v1/admin/recommendations/model'].get.responses).toHaveProperty('403');
  });

  it("When Redocly's CLI lints it with the recommended rules, then it finds no error", {
    timeout: 60_000,
  }, async () => {
    const lint = await run(
      process.execPath,
      [
        bin('@redocly/cli/bin/cli.js'),
        'lint',
        '--extends=recommended',
        '--format=json',
        '--max-problems=1000',
        docFile,
      ],
      {
        cwd: work,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
        maxBuffer: 64 * 1024 * 1024,
      },
    ).catch((err: { stdout?: string; stderr?: string }) => {
      if (!err.stdout) throw err;
      return { stdout: err.stdout, stderr: err.stderr ?? '' };
    });
    const problems = (JSON.parse(lint.stdout) as { problems: LintProblem[] }).problems;
    const show = (ps: LintProblem[]) => ps.map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
    expect(show(problems.filter((p) => p.severity === 'error'))).toEqual([]);
    // The one warning allowed: an operation whose only success is a redirect (the click-tracking link).
    const warnings = problems.filter(
      (p) =>
        !(
          p.ruleId === 'operation-2xx-response' &&
          Object.keys(pointerValue(doc, p.location[0]?.pointer ?? '')).some((s) => /^3\d\d$/.test(s))
        ),
    );
    expect(show(warnings)).toEqual([]);
  });

  it('When a client is generated from it, then the client type-checks and lists movies through the gateway', {
    timeout: 60_000,
  }, async () => {
    await writeFile(path.join(work, 'public-api.d.ts'), astToString(await openapiTS(new URL(`file://${docFile}`))));
    for (const file of ['list-movies.ts', 'refused-calls.ts'])
      await copyFile(path.join(here, 'client', file), path.join(work, file));
    await writeFile(
      path.join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          lib: ['ES2022', 'DOM'],
          types: [],
        },
        files: ['list-movies.ts', 'refused-calls.ts', 'public-api.d.ts'],
      }),
    );
    const tsc = await run(process.execPath, [bin('typescript/bin/tsc'), '-p', work], { cwd: work }).catch(
      (err: { stdout?: string }) => ({ stdout: err.stdout ?? String(err) }),
    );
    expect(tsc.stdout).toBe('');

    const { firstMovieTitles } = (await import(path.join(work, 'list-movies.ts'))) as {
      firstMovieTitles(baseUrl: string, limit: number): Promise<string[]>;
    };
    const titles = await firstMovieTitles(api.gateway.url, 3);
    const direct = (await (await fetch(`${api.gateway.url}/api/v1/movies?limit=3&sort=title&order=asc`)).json()) as {
      items: { title: string }[];
    };
    expect(titles).toHaveLength(3);
    expect(titles).toEqual(direct.items.map((m) => m.title));
  });
});

/** The value a JSON pointer (`#/paths/~1api~1v1~1x/get/responses`) names. */
function pointerValue(root: Json, pointer: string): Json {
  return pointer
    .replace(/^#\//, '')
    .split('/')
    .map((s) => decodeURIComponent(s).replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((node, key) => node?.[key], root);
}
