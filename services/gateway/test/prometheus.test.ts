import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildEvent, InteractionRecorded, Topics } from '@marquee/contracts';
import { connectProducer, physicalTopic } from '@marquee/platform-events';
import { parseExposition } from '@marquee/platform-metrics';
import { dropDatabase, eventually, freePort, interactionRecorded, repoRoot } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../catalog/src/jobs/run-import';
import { type CatalogUnderTest, importSettings, startCatalog, writeSampleDataDir } from '../../catalog/test/helper';
import { type RunningGateway, startGateway, startTestIssuer, type TestIssuer } from './helpers';

const run = promisify(execFile);

/** The series issue 14 names, each with the labels that make it useful. */
const CATALOG_SERIES = [
  'http_request_duration_seconds_bucket',
  'kafka_consumer_lag',
  'events_consumed_total',
  'event_retries_total',
  'outbox_backlog',
  'outbox_oldest_unpublished_age_seconds',
  'outbox_events_published_total',
  'outbox_publish_failures_total',
  'cache_requests_total',
  'process_cpu_seconds_total',
];
const GATEWAY_SERIES = [
  'http_request_duration_seconds_bucket',
  'gateway_activity_events_dropped_total',
  'gateway_activity_queue_depth',
];

let issuer: TestIssuer;
let catalog: CatalogUnderTest;
let catalogUrl: string;
let gateway: RunningGateway;
let movieId: number;

beforeAll(async () => {
  issuer = await startTestIssuer();
  catalog = await startCatalog({ jwksUrl: issuer.jwksUrl });
  await catalog.app.listen({ port: 0, host: '127.0.0.1' });
  catalogUrl = `http://127.0.0.1:${(catalog.app.server.address() as AddressInfo).port}`;
  await runImport(
    catalog.deps.database,
    importSettings(catalog.config, await writeSampleDataDir(5)),
    catalog.deps.logger,
  );
  const first = await catalog.deps.database.pool.query<{ id: number }>('select id from movies order by id limit 1');
  movieId = Number(first.rows[0]?.id);
  gateway = await startGateway({ CATALOG_URL: catalogUrl, AUTH_JWKS_URL: issuer.jwksUrl });

  // Traffic: a movie read twice through the gateway (a miss, then a hit), an interaction the counters apply.
  for (let i = 0; i < 2; i++) expect((await fetch(`${gateway.url}/api/v1/movies/${movieId}`)).status).toBe(200);
  const producer = await connectProducer(catalog.deps.kafka);
  const userId = randomUUID();
  await producer.send({
    topic: physicalTopic(catalog.deps.settings, Topics.interaction),
    messages: [
      {
        key: userId,
        value: JSON.stringify(
          buildEvent(InteractionRecorded, userId, interactionRecorded(userId, movieId), {
            correlationId: randomUUID(),
          }),
        ),
      },
    ],
  });
  await producer.disconnect();
  // Joining the group can take long on a loaded machine.
  await eventually(() => (catalog.consumers[0]?.stats.applied ?? 0) >= 1, {
    what: 'the catalog counters applied the interaction',
    timeoutMs: 150_000,
  });
  await catalog.relay?.flush();
}, 240_000);

afterAll(async () => {
  await gateway?.close();
  await catalog?.close();
  await issuer?.close();
  if (catalog) await dropDatabase(catalog.env.DATABASE_URL as string);
});

async function scrape(url: string) {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

describe('what every service exposes on /metrics', () => {
  it('When the catalog has served, consumed and published, then its /metrics has each named series with its labels', async () => {
    const samples = await scrape(`${catalogUrl}/metrics`);
    const names = new Set(samples.map((s) => s.name));
    for (const name of CATALOG_SERIES) expect(names, name).toContain(name);
    const one = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(one('http_request_duration_seconds_count', { route: '/v1/movies/:id', status: '200' })?.value).toBe(2);
    expect(one('cache_requests_total', { cache: 'catalog', result: 'hit' })?.value).toBeGreaterThanOrEqual(1);
    expect(one('cache_requests_total', { cache: 'catalog', result: 'miss' })?.value).toBeGreaterThanOrEqual(1);
    const interactions = physicalTopic(catalog.deps.settings, Topics.interaction);
    expect(one('events_consumed_total', { topic: interactions, outcome: 'applied' })?.value).toBe(1);
    expect(one('kafka_consumer_lag', { topic: interactions })).toBeDefined();
    expect(one('outbox_events_published_total', { topic: Topics.catalogMovie })?.value).toBeGreaterThanOrEqual(5);
    expect(one('outbox_backlog', {})?.value).toBe(0);
    expect(samples.every((s) => s.labels.service === 'catalog')).toBe(true);
  });

  it('When the gateway has proxied, then its operations /metrics labels the calls by the upstream template and has the dropped activity counter', async () => {
    const samples = await scrape(`${gateway.opsUrl}/metrics`);
    const names = new Set(samples.map((s) => s.name));
    for (const name of GATEWAY_SERIES) expect(names, name).toContain(name);
    const proxied = samples.find(
      (s) => s.name === 'http_request_duration_seconds_count' && s.labels.route === '/api/v1/movies/:id',
    );
    expect(proxied?.value).toBe(2);
  });

  it('When a real Prometheus scrapes both with the scrape config ./marquee up --with-metrics writes, then it finds every series', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'marquee-prometheus-'));
    const env = {
      ...process.env,
      MARQUEE_HOME: home,
      PROMETHEUS_PORT: String(await freePort()),
      PROMETHEUS_SCRAPE_INTERVAL: '1s',
    };
    const script = path.join(repoRoot, 'deploy/local/prometheus.sh');
    const targets = [`catalog=${new URL(catalogUrl).host}`, `gateway=${new URL(gateway.opsUrl).host}`];
    try {
      const { stdout } = await run('bash', [script, 'start', ...targets], { env, timeout: 180_000 });
      const prometheus = stdout.trim();
      const query = async (promql: string) => {
        const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
        const body = (await res.json()) as { data: { result: { metric: Record<string, string> }[] } };
        return body.data.result;
      };
      await eventually(async () => (await query('up == 1')).length === 2, {
        what: 'both targets scraped and up',
        timeoutMs: 30_000,
      });
      for (const name of CATALOG_SERIES) {
        expect((await query(`${name}{job="catalog"}`)).length, name).toBeGreaterThan(0);
      }
      for (const name of GATEWAY_SERIES) {
        expect((await query(`${name}{job="gateway"}`)).length, name).toBeGreaterThan(0);
      }
      expect(await query('http_request_duration_seconds_count{job="gateway",route="/api/v1/movies/:id"}')).toHaveLength(
        1,
      );
    } finally {
      await run('bash', [script, 'stop'], { env });
      await rm(home, { recursive: true, force: true });
    }
  });
});
