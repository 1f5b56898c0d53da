import path from 'node:path';
import { repoRoot, runTs, serviceTestEnv, uniqueName } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aUser, startTestIssuer, type TestIssuer, jsonOf } from './helpers';

const main = path.join(repoRoot, 'services/gateway/src/main.ts');

const run = (env: Record<string, string>) => runTs(main, env);

describe('gateway main.ts', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(async () => {
    await issuer?.close();
  });

  it('When config is invalid, then it exits 78 naming each bad variable', async () => {
    const p = run({
      KAFKA_BROKERS: 'localhost',
      REDIS_URL: 'redis://127.0.0.1:6379',
      CATALOG_URL: 'ftp://x',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    expect(await p.exited).toBe(78);
    expect(p.err()).toContain('KAFKA_BROKERS: "localhost"');
    expect(p.err()).toContain('NATS_URL: is required but not set');
    expect(p.err()).toContain('CATALOG_URL: "ftp://x"');
    expect(p.err()).toContain('RATE_LIMIT_PER_MINUTE');
  });

  it('When started, then it is ready on Kafka, Redis and NATS; on SIGTERM with a stream open it stops cleanly', async () => {
    const env = serviceTestEnv('gateway-main');
    const p = run({
      ...env,
      DATABASE_URL: '',
      LOG_LEVEL: 'info',
      PORT: '0',
      OPS_PORT: '0',
      HOST: '127.0.0.1',
      AUTH_JWKS_URL: issuer.jwksUrl,
      REDIS_KEY_PREFIX: `${uniqueName('main')}:`,
    });
    try {
      const deadline = Date.now() + 60_000;
      while (!/"port":(\d+),"opsPort":(\d+).*gateway listening/.test(p.out()) && Date.now() < deadline) {
        if (p.child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const [, port, opsPort] = /"port":(\d+),"opsPort":(\d+).*gateway listening/.exec(p.out()) ?? [];
      expect(port, p.err() + p.out()).toBeDefined();
      const base = `http://127.0.0.1:${port}`;
      // Operations routes answer on the operations port only.
      expect((await fetch(`${base}/health/ready`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${opsPort}/metrics`)).status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${opsPort}/health/ready`);
      expect(ready.status).toBe(200);
      expect((await jsonOf(ready)).checks).toEqual({ kafka: 'ok', redis: 'ok', nats: 'ok' });

      const token = await issuer.sign({ sub: aUser, role: 'user' });
      const stream = await fetch(`${base}/api/v1/stream`, { headers: { authorization: `Bearer ${token}` } });
      expect(stream.status).toBe(200);
      // A stream never ends by itself: exit 0 (not the shutdown timeout's 1) shows it was closed.
      p.child.kill('SIGTERM');
      expect(await p.exited, p.out().slice(-3000)).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });
});
