import { createServer } from 'node:net';
import path from 'node:path';
import { eventually, repoRoot, runTs, type TsProcess } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUserId, startTestInteraction, type TestInteraction } from './fixtures/interaction-env';

let svc: TestInteraction;
let gateway: TsProcess;
let gatewayUrl: string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  svc = await startTestInteraction('interaction-gateway');
  await svc.knowMovies([51]);
  await svc.app.listen({ port: 0, host: '127.0.0.1' });
  const port = await freePort();
  const opsPort = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  // The real gateway process routing to this interaction service, with its JWT check and rate limits.
  gateway = runTs(path.join(repoRoot, 'services/gateway/src/main.ts'), {
    PORT: String(port),
    OPS_PORT: String(opsPort),
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: svc.env.KAFKA_BROKERS as string,
    KAFKA_TOPIC_PREFIX: svc.env.KAFKA_TOPIC_PREFIX as string,
    REDIS_URL: svc.env.REDIS_URL as string,
    NATS_URL: svc.env.NATS_URL as string,
    REDIS_KEY_PREFIX: `${svc.env.KAFKA_TOPIC_PREFIX}gateway:`,
    AUTH_URL: '',
    CATALOG_URL: '',
    INTERACTION_URL: `http://127.0.0.1:${(svc.app.server.address() as { port: number }).port}`,
    AUTH_JWKS_URL: svc.issuer.jwksUrl,
    RATE_LIMIT_PER_MINUTE: '3',
  });
  // The gateway answers readiness on its operations port only.
  await eventually(async () => (await fetch(`http://127.0.0.1:${opsPort}/health/ready`)).ok, {
    what: 'gateway ready',
    timeoutMs: 120_000,
    intervalMs: 250,
  });
}, 180_000);
afterAll(async () => {
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  await svc?.stop();
});

describe('through the gateway', () => {
  it('When a signed-in user records and reads through /api/v1, then the gateway routes it with its limits', async () => {
    const headers = await svc.as(newUserId());
    const put = await fetch(`${gatewayUrl}/api/v1/me/interactions/51/favorite`, { method: 'PUT', headers });
    expect(put.status).toBe(201);
    expect(put.headers.get('x-ratelimit-limit')).toBe('3');
    const shelf = await fetch(`${gatewayUrl}/api/v1/me/library/favorites`, { headers });
    expect(((await shelf.json()) as { items: { movieId: number }[] }).items.map((i) => i.movieId)).toEqual([51]);
    await fetch(`${gatewayUrl}/api/v1/me/interactions/51`, { headers });
    const limited = await fetch(`${gatewayUrl}/api/v1/me/interactions/51`, { headers });
    expect(limited.status).toBe(429);
  });

  it('When no token comes, then the gateway or the service refuses with 401', async () => {
    expect((await fetch(`${gatewayUrl}/api/v1/me/interactions/51/like`, { method: 'PUT' })).status).toBe(401);
  });

  it("When the API docs are read, then the interaction service's routes appear under /api/v1", async () => {
    const doc = (await (await fetch(`${gatewayUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/me/interactions/{movieId}/{type}',
        '/api/v1/me/library/{shelf}',
        '/api/v1/users/{userId}/library/{shelf}',
        '/api/v1/admin/interactions/import',
      ]),
    );
  });
});
