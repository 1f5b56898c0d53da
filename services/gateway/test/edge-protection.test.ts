import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, type RunningGateway, startGateway, startTestIssuer, startUpstream, type TestIssuer } from './helpers';

/** Keeps the event loop busy in chunks (as a CPU-bound burst would) until stopped. */
function hogEventLoop(chunkMs: number): () => void {
  let running = true;
  const spin = () => {
    if (!running) return;
    const until = Date.now() + chunkMs;
    while (Date.now() < until) {
      // busy on purpose
    }
    setImmediate(spin);
  };
  setImmediate(spin);
  return () => {
    running = false;
  };
}

describe('gateway edge protection', () => {
  let issuer: TestIssuer;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    upstream = await startUpstream('catalog');
    gateway = await startGateway({
      CATALOG_URL: upstream.url,
      AUTH_JWKS_URL: issuer.jwksUrl,
      PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '150',
      PRESSURE_SAMPLE_INTERVAL_MS: '50',
      PRESSURE_RETRY_AFTER_SECONDS: '7',
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await issuer?.close();
  });

  it('When any response leaves the gateway, then it carries the security headers', async () => {
    for (const path of ['/api/v1/movies/7', '/api/v1/no-such-route']) {
      const res = await fetch(`${gateway.url}${path}`);
      await res.arrayBuffer();
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
      expect(res.headers.get('strict-transport-security'), path).toMatch(/^max-age=\d+; includeSubDomains$/);
      expect(res.headers.get('content-security-policy'), path).toContain("default-src 'self'");
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(res.headers.get('x-powered-by'), path).toBeNull();
    }
  });

  it('When the event loop lags past the limit, then requests get 503 SERVICE.OVERLOADED with Retry-After, liveness still answers, and service resumes after', async () => {
    // A shared, busy machine lags too: wait for a calm moment first.
    expect(await statusOnceCalm()).toBe(200);

    const stop = hogEventLoop(400);
    const shed: Response[] = [];
    let live: number | undefined;
    try {
      for (let i = 0; i < 20 && shed.length === 0; i++) {
        const res = await fetch(`${gateway.url}/api/v1/movies/7`);
        if (res.status === 503) shed.push(res);
        else await res.arrayBuffer();
      }
      live = (await fetch(`${gateway.url}/health/live`)).status;
    } finally {
      stop();
    }
    expect(shed.length).toBe(1);
    const res = shed[0] as Response;
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await jsonOf(res)).toEqual({
      error: { code: 'SERVICE.OVERLOADED', message: 'The gateway is overloaded; retry after 7 seconds' },
    });
    expect(live).toBe(200);

    expect(await statusOnceCalm()).toBe(200);
  });

  async function statusOnceCalm(): Promise<number> {
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(`${gateway.url}/api/v1/movies/7`);
      await res.arrayBuffer();
      status = res.status;
    }
    return status;
  }
});
