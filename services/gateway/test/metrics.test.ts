import { parseExposition, type Sample } from '@marquee/platform-metrics';
import { freePort } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway, startTestIssuer, startUpstream, type TestIssuer } from './helpers';

describe('gateway request metrics, labelled by the upstream route', () => {
  let issuer: TestIssuer;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    upstream = await startUpstream('catalog');
    gateway = await startGateway({
      CATALOG_URL: upstream.url,
      AUTH_URL: `http://127.0.0.1:${await freePort()}`,
      AUTH_JWKS_URL: issuer.jwksUrl,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await issuer?.close();
  });

  async function requestCounts(): Promise<Map<string, number>> {
    const text = await (await fetch(`${gateway.opsUrl}/metrics`)).text();
    const counts = new Map<string, number>();
    for (const s of parseExposition(text).filter((x: Sample) => x.name === 'http_request_duration_seconds_count')) {
      const key = `${s.labels.method} ${s.labels.route} ${s.labels.status}`;
      counts.set(key, (counts.get(key) ?? 0) + s.value);
    }
    return counts;
  }

  it('When calls are proxied, then each is counted under the upstream route template, not /api/v1/*, and the template header stays inside', async () => {
    const first = await fetch(`${gateway.url}/api/v1/movies/12`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-marquee-route')).toBeNull();
    await fetch(`${gateway.url}/api/v1/movies/13`);
    await fetch(`${gateway.url}/api/v1/search?q=alien`);
    const counts = await requestCounts();
    expect(counts.get('GET /api/v1/movies/:id 200')).toBe(2);
    expect(counts.get('GET /api/v1/search 200')).toBe(1);
    expect([...counts.keys()].filter((k) => k.includes('/api/v1/* '))).toEqual([]);
  });

  it('When a call is refused at the gateway or unknown upstream, then it is counted under its route-table prefix, so labels stay few', async () => {
    // No such route at the upstream: it names no template, so the prefix labels it.
    expect((await fetch(`${gateway.url}/api/v1/movies/12/unknown/${Math.random()}`)).status).toBe(404);
    // Refused at the gateway before reaching any service (no service owns the path).
    expect((await fetch(`${gateway.url}/api/v1/nobody/${Math.random()}`)).status).toBe(404);
    // A forged token is refused by the gateway itself.
    const forged = await fetch(`${gateway.url}/api/v1/admin/movies`, {
      method: 'POST',
      headers: { authorization: 'Bearer not.a.token', 'content-type': 'application/json' },
      body: '{"title":"x"}',
    });
    expect(forged.status).toBe(401);
    const counts = await requestCounts();
    expect(counts.get('GET /api/v1/movies/* 404')).toBe(1);
    expect(counts.get('GET /api/v1/* 404')).toBe(1);
    expect(counts.get('POST /api/v1/admin/movies 401')).toBe(1);
  });

  it('When /metrics is scraped on the operations port, then the dropped activity events counter is among the series', async () => {
    const text = await (await fetch(`${gateway.opsUrl}/metrics`)).text();
    const names = new Set(parseExposition(text).map((s) => s.name));
    expect(names).toContain('gateway_activity_events_dropped_total');
    expect(names).toContain('process_cpu_seconds_total');
    expect(parseExposition(text).every((s) => s.labels.service === 'gateway')).toBe(true);
  });
});
