import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTracedFixture } from './fixtures/traced-process';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Calls fn until it returns something other than undefined, or throws after timeoutMs. */
async function eventually<T>(
  fn: () => Promise<T | undefined>,
  { timeoutMs, intervalMs, what }: { timeoutMs: number; intervalMs: number; what: string },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: string;
  timestamp: number;
  duration?: number;
  localEndpoint?: { serviceName?: string };
  annotations?: { timestamp: number; value: string }[];
  tags?: Record<string, string>;
}

let zipkin: ChildProcess | undefined;
let url = '';

beforeAll(async () => {
  const { stdout } = await promisify(execFile)('bash', [path.join(repoRoot, 'deploy/local/zipkin.sh'), 'jar'], {
    timeout: 300_000,
  });
  const jar = stdout.trim().split('\n').pop() as string;
  const port = await freePort();
  zipkin = spawn(
    'java',
    [
      '-Xmx256m',
      '-XX:TieredStopAtLevel=1',
      '-jar',
      jar,
      '--armeria.ports[0].ip=127.0.0.1',
      `--armeria.ports[0].port=${port}`,
    ],
    { env: { PATH: process.env.PATH ?? '', STORAGE_TYPE: 'mem' }, stdio: 'ignore' },
  );
  url = `http://127.0.0.1:${port}`;
  await eventually(() => fetch(`${url}/health`).then((r) => r.ok || undefined), {
    timeoutMs: 150_000,
    intervalMs: 500,
    what: 'zipkin /health',
  });
}, 300_000);

afterAll(() => {
  zipkin?.kill('SIGTERM');
});

describe('the Zipkin exporter (proto3)', () => {
  it('When a traced process ends spans, then Zipkin holds each with its ids, kind, times, endpoint, events and tags, and no telemetry.sdk tags', async () => {
    const { traceId } = runTracedFixture<{ traceId: string }>('zipkin-spans.ts', {
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${url}/api/v2/spans`,
      OTEL_SERVICE_NAME: 'proto-test',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    });
    const spans = await eventually(
      async () => {
        const res = await fetch(`${url}/api/v2/trace/${traceId}`);
        if (!res.ok) return undefined;
        const body = (await res.json()) as ZipkinSpan[];
        return body.length === 303 ? body : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 300, what: 'the 303 spans in zipkin' },
    );
    const byName = new Map(spans.map((s) => [s.name, s]));
    const root = byName.get('get /v1/thing') as ZipkinSpan;
    expect(root).toMatchObject({ traceId, kind: 'SERVER', localEndpoint: { serviceName: 'proto-test' } });
    expect(root.parentId).toBeUndefined();
    expect(root.tags).toEqual({
      'http.route': '/v1/thing',
      'http.response.status_code': '200',
      'deployment.environment.name': 'test',
    });
    expect(Math.abs(root.timestamp / 1000 - Date.now())).toBeLessThan(120_000);

    const query = byName.get('pg.query:select') as ZipkinSpan;
    expect(query).toMatchObject({ kind: 'CLIENT', parentId: root.id });
    expect(query.tags?.['db.query.text']).toBe(`select ${'x, '.repeat(400)}é from t`);
    expect(query.tags?.['db.namespace']).toBe('marquee_ünïcode ✓');
    expect(query.timestamp).toBeGreaterThanOrEqual(root.timestamp);

    const failed = byName.get('publish t.v1') as ZipkinSpan;
    expect(failed).toMatchObject({ kind: 'PRODUCER', parentId: root.id });
    expect(failed.tags).toMatchObject({ 'otel.status_code': 'ERROR', error: 'broker gone' });
    expect(failed.annotations?.map((a) => a.value)).toEqual(['exception']);

    const work = spans.filter((s) => s.name.startsWith('work '));
    expect(work).toHaveLength(300);
    expect(byName.get('work 7')).toMatchObject({
      kind: 'CONSUMER',
      parentId: root.id,
      tags: { n: '7', flag: 'false' },
    });
    expect(new Set(spans.map((s) => s.id)).size).toBe(303);
    for (const s of spans) expect(Object.keys(s.tags ?? {}).filter((k) => k.startsWith('telemetry.sdk.'))).toEqual([]);
  }, 120_000);
});
