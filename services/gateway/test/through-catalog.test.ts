import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { dropDatabase, repoRoot, serviceTestEnv } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, type RunningGateway, startGateway, startTestIssuer, type TestIssuer } from './helpers';
import { runtimeArgs } from '@marquee/platform-runtime';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** The real catalog service, as its own process (its main.ts), importing the bundled data into its own database. */
async function startCatalogProcess(
  jwksUrl: string,
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const env: Record<string, string> = {
    ...serviceTestEnv('gw_catalog'),
    PORT: String(port),
    HOST: '127.0.0.1',
    AUTH_JWKS_URL: jwksUrl,
    CATALOG_IMPORT_ON_EMPTY: 'true',
    MARQUEE_DATA_DIR: path.resolve(repoRoot, '../shared/datasets'),
  };
  env.CACHE_KEY_PREFIX = `${env.KAFKA_TOPIC_PREFIX}catalog:`;
  const child = spawn(process.execPath, [...runtimeArgs, path.join(repoRoot, 'services/catalog/src/main.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (b) => (out += b));
  child.stderr?.on('data', (b) => (out += b));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`catalog did not start: ${out.slice(-2000)}`);
    const ready = await fetch(`${url}/health/ready`).catch(() => undefined);
    if (ready?.ok) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    child,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await dropDatabase(env.DATABASE_URL as string);
    },
  };
}

describe('title suggestions through the gateway to the real catalog', () => {
  let issuer: TestIssuer;
  let catalog: Awaited<ReturnType<typeof startCatalogProcess>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    catalog = await startCatalogProcess(issuer.jwksUrl);
    gateway = await startGateway({ CATALOG_URL: catalog.url, AUTH_JWKS_URL: issuer.jwksUrl });
  }, 180_000);
  afterAll(async () => {
    await gateway?.close();
    await catalog?.stop();
    await issuer?.close();
  });

  it('When an anonymous user types a misspelt title keystroke by keystroke, then every answer is 200 and the title is suggested', async () => {
    const typed = 'the godfater';
    let last: { items: { title: string }[] } = { items: [] };
    for (let i = 1; i <= typed.length; i++) {
      const res = await fetch(`${gateway.url}/api/v1/search/suggest?q=${encodeURIComponent(typed.slice(0, i))}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('600');
      last = await jsonOf(res);
      expect(last.items.length).toBeLessThanOrEqual(10);
    }
    expect(last.items.map((s) => s.title)).toContain('The Godfather');
    const searched = await jsonOf(await fetch(`${gateway.url}/api/v1/search?q=${encodeURIComponent(typed)}`));
    expect(searched.items[0].movie.title).toBe('The Godfather');
  });

  it('When a bad suggestion request passes the gateway, then the catalog answers 400 naming the field', async () => {
    const res = await fetch(`${gateway.url}/api/v1/search/suggest?q=star&limit=50`);
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).error.details[0].field).toBe('querystring.limit');
  });

  it('When /openapi.json is read, then it documents the suggestion route under /api/v1', async () => {
    const doc = await jsonOf(await fetch(`${gateway.url}/openapi.json`));
    const op = doc.paths['/api/v1/search/suggest']?.get;
    expect(op?.summary).toMatch(/suggestions/i);
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['q', 'limit']));
  });
});
