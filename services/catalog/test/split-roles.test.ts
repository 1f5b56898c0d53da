import { randomUUID } from 'node:crypto';
import { buildEvent, InteractionRecorded, Topics } from '@marquee/contracts';
import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { connectProducer, physicalTopic } from '@marquee/platform-events';
import { dropDatabase, eventually } from '@marquee/platform-testing';
import { interactionRecorded } from '@marquee/platform-testing/interactions';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../src/jobs/run-import';
import { type CatalogUnderTest, importSettings, startCatalog, writeSampleDataDir } from './helper';

// The catalog split in two processes' halves on one database (in this process; WORKER_NICE 0 leaves the test's
// priority alone, the lowering itself is platform-service's lifecycle test).
let issuer: TestIssuer;
let api: CatalogUnderTest;
let worker: CatalogUnderTest;
let producer: Producer;

beforeAll(async () => {
  issuer = await startTestIssuer();
  // A long in-process TTL: only the worker's NATS invalidation can make the api process drop what it cached.
  api = await startCatalog({
    jwksUrl: issuer.jwksUrl,
    extraEnv: { SERVICE_ROLE: 'api', CACHE_LOCAL_TTL_MS: '60000' },
  });
  worker = await startCatalog({
    env: api.env,
    jwksUrl: issuer.jwksUrl,
    extraEnv: { SERVICE_ROLE: 'worker', WORKER_NICE: '0', CACHE_LOCAL_TTL_MS: '60000' },
  });
  await runImport(api.deps.database, importSettings(api.config, await writeSampleDataDir(5)), api.deps.logger);
  producer = await connectProducer(api.deps.kafka);
}, 180_000);

afterAll(async () => {
  await producer?.disconnect();
  await worker?.close();
  await api?.close();
  await issuer?.close();
  if (api) await dropDatabase(api.env.DATABASE_URL as string);
});

const get = async (svc: CatalogUnderTest, url: string) => {
  const res = await svc.app.inject({ method: 'GET', url });
  return {
    status: res.statusCode,
    body: res.headers['content-type']?.toString().startsWith('application/json') ? res.json() : res.body,
  };
};

describe('catalog split by SERVICE_ROLE', () => {
  it('When split, then the api process serves the API without consumers and the worker serves health and metrics only', async () => {
    expect(api.role).toBe('api');
    expect(api.consumers).toHaveLength(0);
    expect(worker.role).toBe('worker');
    expect(worker.consumers).toHaveLength(1);
    expect((await get(api, '/v1/movies/1')).status).toBe(200);
    const routed = await get(worker, '/v1/movies/1');
    expect(routed.status).toBe(404);
    expect(routed.body.error.code).toBe('ROUTE.NOT_FOUND');
    expect((await get(worker, '/health/ready')).status).toBe(200);
    expect((await get(worker, '/metrics')).status).toBe(200);
  });

  it('When the worker applies a view, then the api process serves the new count at once (its cached copy dropped)', {
    timeout: 180_000,
  }, async () => {
    expect((await get(api, '/v1/movies/1')).body.viewCount).toBe(0);
    const userId = randomUUID();
    const view = buildEvent(InteractionRecorded, userId, interactionRecorded(userId, 1), {
      correlationId: randomUUID(),
    });
    await producer.send({
      topic: physicalTopic(api.deps.settings, Topics.interaction),
      messages: [{ key: view.key, value: JSON.stringify(view) }],
    });
    // Joining the group can take long on a loaded machine.
    await eventually(async () => (await get(api, '/v1/movies/1')).body.viewCount === 1, {
      what: 'the view counted by the worker and served by the api process',
      timeoutMs: 150_000,
    });
    expect(worker.consumers[0]?.stats.applied).toBe(1);
  });
});
