import { generateKeyring } from '@marquee/platform-crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { dropDatabase, eventually, repoRoot, runTs, serviceTestEnv } from '@marquee/platform-testing';
import { describe, expect, it } from 'vitest';

const main = path.join(repoRoot, 'services/interaction/src/main.ts');
const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

describe('interaction main.ts', () => {
  it('When started as a process, then it migrates, answers ready and exits 0 on SIGTERM', async () => {
    const env: Record<string, string> = {
      ...serviceTestEnv('interaction-main'),
      PORT: String(await freePort()),
      INTERACTION_ENCRYPTION_KEYS: generateKeyring('k1'),
      INTERACTION_ENCRYPTION_ACTIVE_KID: 'k1',
    };
    const proc = runTs(main, env);
    try {
      const base = `http://127.0.0.1:${env.PORT}`;
      await eventually(async () => (await fetch(`${base}/health/ready`)).ok, {
        what: 'interaction ready',
        timeoutMs: 120_000,
        intervalMs: 250,
      });
      const ready = (await (await fetch(`${base}/health/ready`)).json()) as { checks: Record<string, unknown> };
      expect(Object.keys(ready.checks).sort()).toEqual(['kafka', 'nats', 'postgres', 'redis']);
      const unauth = await fetch(`${base}/v1/me/library/history`);
      expect(unauth.status).toBe(401);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    } finally {
      proc.child.kill('SIGKILL');
      await dropDatabase(env.DATABASE_URL as string);
    }
  }, 180_000);

  it('When its configuration is wrong, then it exits 78 naming each variable', async () => {
    const proc = runTs(main, { WRITE_BATCH_WINDOW_MS: '500' });
    expect(await proc.exited).toBe(78);
    expect(proc.err()).toContain('DATABASE_URL');
    expect(proc.err()).toContain('WRITE_BATCH_WINDOW_MS');
  }, 60_000);
});
