import { uniqueName } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway, startTestIssuer, startUpstream, type TestIssuer } from './helpers';

describe('the client address the gateway believes', () => {
  let issuer: TestIssuer;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const gateways: RunningGateway[] = [];

  const start = async (trustProxy: string) => {
    const gw = await startGateway({
      CATALOG_URL: upstream.url,
      AUTH_JWKS_URL: issuer.jwksUrl,
      REDIS_KEY_PREFIX: `${uniqueName('ca')}:`,
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3',
      TRUST_PROXY: trustProxy,
    });
    gateways.push(gw);
    return gw;
  };
  const fetchAs = async (gw: RunningGateway, forwardedFor: string) => {
    const before = upstream.seen.length;
    const res = await fetch(`${gw.url}/api/v1/movies/1`, { headers: { 'x-forwarded-for': forwardedFor } });
    await res.arrayBuffer();
    return { status: res.status, forwarded: upstream.seen[before]?.headers['x-forwarded-for'] };
  };

  beforeAll(async () => {
    issuer = await startTestIssuer();
    upstream = await startUpstream('catalog');
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await upstream?.close();
    await issuer?.close();
  });

  it('when the proxy in front is trusted and a client forges addresses before it, then the address the proxy appended is the client and its budget', async () => {
    // The test's own connection comes from 127.0.0.1: it plays the load balancer.
    const gw = await start('127.0.0.1');
    const seen = [];
    for (let i = 0; i < 4; i += 1) seen.push(await fetchAs(gw, `203.0.113.${i}, 198.51.100.9`));
    expect(seen.map((s) => s.forwarded).slice(0, 3)).toEqual(['198.51.100.9', '198.51.100.9', '198.51.100.9']);
    expect(seen.map((s) => s.status)).toEqual([200, 200, 200, 429]);
  });

  it('when the request does not come from a trusted range, then X-Forwarded-For is ignored', async () => {
    const gw = await start('10.0.0.0/8');
    const first = await fetchAs(gw, '198.51.100.10');
    expect(first.forwarded).toBe('127.0.0.1');
  });

  it('when nothing is trusted (the default), then rotating X-Forwarded-For does not escape the per-IP budget', async () => {
    const gw = await start('');
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await fetchAs(gw, `203.0.113.${i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('when TRUST_PROXY is the old "true" or a hop count, then the gateway refuses to start', async () => {
    await expect(start('true')).rejects.toThrow(/TRUST_PROXY/);
    // A hop count trusts whoever connects, a client too, so its X-Forwarded-For would name any address.
    await expect(start('1')).rejects.toThrow(/TRUST_PROXY/);
  });
});
