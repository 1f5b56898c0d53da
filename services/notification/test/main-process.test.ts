import path from 'node:path';
import { dropDatabase, repoRoot, runTs } from '@marquee/platform-testing';
import { describe, expect, it } from 'vitest';
import { notificationTestEnv, sharedPrefixes } from './fixtures/notification-env';

/** The gateway (its main.ts) in front: links in emails work with no token, the user's routes still need one. */
async function throughTheGateway(notificationUrl: string, env: Record<string, string>): Promise<void> {
  const gw = runTs(path.join(repoRoot, 'services/gateway/src/main.ts'), {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: '0',
    OPS_PORT: '0',
    KAFKA_BROKERS: env.KAFKA_BROKERS as string,
    KAFKA_TOPIC_PREFIX: env.KAFKA_TOPIC_PREFIX as string,
    REDIS_URL: env.REDIS_URL as string,
    NATS_URL: env.NATS_URL as string,
    REDIS_KEY_PREFIX: `${env.KAFKA_TOPIC_PREFIX}gateway:`,
    AUTH_URL: '',
    CATALOG_URL: '',
    NOTIFICATION_URL: notificationUrl,
  });
  try {
    const deadline = Date.now() + 90_000;
    const portRe = /"port":(\d+)[^\n]*gateway listening/;
    while (!portRe.test(gw.out())) {
      if (gw.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`gateway did not start: ${gw.err().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const api = `http://127.0.0.1:${portRe.exec(gw.out())?.[1]}/api/v1`;
    expect((await fetch(`${api}/notifications/vapid-public-key`)).status).toBe(200);
    const bad = await fetch(`${api}/notifications/track/open?t=forged.token`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('NOTIFICATION.BAD_TOKEN');
    const unsub = await fetch(`${api}/notifications/unsubscribe?t=forged.token`, { method: 'POST' });
    expect(unsub.status).toBe(400);
    expect((await fetch(`${api}/me/notification-preferences`)).status).toBe(401);
  } finally {
    gw.child.kill('SIGTERM');
    await gw.exited;
  }
}

describe('notification main process', () => {
  it('When main.ts starts, then it serves /health/ready and its OpenAPI, its email links work through the gateway with no token, and SIGTERM stops it cleanly', async () => {
    // The port is read from the `notification listening on <port>` info log.
    const env = notificationTestEnv('n_main', { ...sharedPrefixes('n_main'), HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    const proc = runTs(path.join(repoRoot, 'services/notification/src/main.ts'), env);
    try {
      const deadline = Date.now() + 90_000;
      while (!/notification listening on (\d+)/.test(proc.out())) {
        if (proc.child.exitCode !== null || Date.now() > deadline)
          throw new Error(`did not start: ${proc.err().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const url = `http://127.0.0.1:${/notification listening on (\d+)/.exec(proc.out())?.[1]}`;
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(200);
      const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/v1/me/notification-preferences',
          '/v1/notifications/unsubscribe',
          '/v1/admin/notifications',
        ]),
      );
      await throughTheGateway(url, env);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await dropDatabase(env.DATABASE_URL as string);
    }
  }, 180_000);

  it('When a setting is invalid, then it exits 78 naming the variable', async () => {
    const env = notificationTestEnv('n_main_bad', { DIGEST_ITEMS: '0', LINK_SIGNING_KEY: 'short' });
    const proc = runTs(path.join(repoRoot, 'services/notification/src/main.ts'), env);
    expect(await proc.exited).toBe(78);
    expect(proc.err()).toContain('DIGEST_ITEMS');
    expect(proc.err()).toContain('LINK_SIGNING_KEY');
  });
});
