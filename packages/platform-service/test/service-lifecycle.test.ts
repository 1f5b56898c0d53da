import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dropDatabase, repoRoot, runTs, serviceTestEnv, testInfra } from '@marquee/platform-testing';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '@marquee/platform-metrics';

const main = path.join(repoRoot, 'packages/platform-service/test/fixtures/minimal-main.ts');

const run = (env: Record<string, string>, opts: { ownSession?: boolean } = {}) => runTs(main, env, [], opts);

/** A process's autogroup as the kernel prints it ("/autogroup-<id> nice <n>"), or undefined without autogroups. */
const autogroupOf = (pid: number | string | undefined) =>
  existsSync(`/proc/${pid}/autogroup`) ? readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim() : undefined;

/** The port the fixture says it listens on (within a minute). */
async function listeningPort(p: ReturnType<typeof run>): Promise<string | undefined> {
  const deadline = Date.now() + 60_000;
  while (!/minimal listening on (\d+)/.test(p.out()) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  const port = /minimal listening on (\d+)/.exec(p.out())?.[1];
  expect(port, p.err()).toBeDefined();
  return port;
}

describe('service start-up and shutdown', () => {
  it('When config variables are missing or invalid, then the service exits non-zero naming each one', async () => {
    const p = run({
      PORT: 'http',
      KAFKA_BROKERS: 'localhost',
      REDIS_URL: 'redis://127.0.0.1:6379',
      NATS_URL: 'nats://127.0.0.1:4222',
    });
    expect(await p.exited).toBe(78);
    expect(p.err()).toContain('DATABASE_URL: is required but not set');
    expect(p.err()).toContain('PORT: "http"');
    expect(p.err()).toContain('KAFKA_BROKERS: "localhost"');
    expect(p.err()).not.toContain('REDIS_URL');
  });

  it('When the service starts, then it is ready on every dependency; on SIGTERM it stops cleanly', async () => {
    const env = serviceTestEnv('lifecycle');
    const p = run({ ...env, PORT: '0', LOG_LEVEL: 'info' });
    try {
      const port = await listeningPort(p);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: unknown }).checks).toEqual({
        postgres: 'ok',
        kafka: 'ok',
        redis: 'ok',
        nats: 'ok',
      });
      expect((await fetch(`http://127.0.0.1:${port}/openapi.json`)).status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const names = new Set(parseExposition(metrics).map((m) => m.name));
      for (const name of [
        'http_request_duration_seconds_count',
        'outbox_backlog',
        'outbox_oldest_unpublished_age_seconds',
      ])
        expect(names, name).toContain(name);
      expect(parseExposition(metrics).every((m) => m.labels.service === 'minimal')).toBe(true);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
      await dropDatabase(env.DATABASE_URL as string);
    }
  });

  it('When a service starts as a worker, then every thread of its process runs at WORKER_NICE and its HTTP port serves health and metrics only', async () => {
    const env = serviceTestEnv('lifecycle-worker');
    const p = run({ ...env, PORT: '0', LOG_LEVEL: 'info', SERVICE_ROLE: 'worker', WORKER_NICE: '7' });
    // The nice value of each of the process's threads (field 19 of /proc/<pid>/task/<tid>/stat).
    const niceOfThreads = () =>
      readdirSync(`/proc/${p.child.pid}/task`).map((tid) => {
        const stat = readFileSync(`/proc/${p.child.pid}/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
    try {
      const port = await listeningPort(p);
      const nice = niceOfThreads();
      // V8's and libuv's threads as well as the main one (several exist by the time it listens).
      expect(nice.length).toBeGreaterThan(3);
      expect(new Set(nice)).toEqual(new Set([7]));
      expect(p.out()).toContain('worker runs at a lower CPU priority');
      // It shares this test's session, so the session's autogroup (this process's too) keeps its weight.
      expect(autogroupOf(p.child.pid)).toBe(autogroupOf('self'));
      expect(p.out()).not.toContain('(autogroup)');
      expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/openapi.json`)).status).toBe(404);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
      await dropDatabase(env.DATABASE_URL as string);
    }
  });

  it('When a worker leads its own session, as ./marquee up starts it, then its session (autogroup) runs at WORKER_NICE too', async () => {
    const env = serviceTestEnv('lifecycle-worker-session');
    const p = run(
      { ...env, PORT: '0', LOG_LEVEL: 'info', SERVICE_ROLE: 'worker', WORKER_NICE: '9' },
      { ownSession: true },
    );
    try {
      await listeningPort(p);
      const autogroup = autogroupOf(p.child.pid);
      if (autogroup === undefined) {
        // A kernel without autogroups: only the threads' nice exists, and nothing is claimed about sessions.
        expect(p.out()).not.toContain('(autogroup)');
      } else {
        // Set just before it listens; the kernel may have made it wait a few 100 ms turns.
        const deadline = Date.now() + 5_000;
        while (!/ nice 9$/.test(autogroupOf(p.child.pid) ?? '') && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        expect(autogroupOf(p.child.pid)).toMatch(/ nice 9$/);
        expect(autogroupOf(p.child.pid)).not.toBe(autogroupOf('self'));
        expect(p.out()).toContain("worker's session (autogroup) runs at a lower CPU priority");
      }
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
      await dropDatabase(env.DATABASE_URL as string);
    }
  });

  it.each([
    ['exception', 'uncaught exception', 'boom from a timer'],
    ['rejection', 'unhandled rejection', 'boom from a promise'],
  ])(
    'When a running service meets an uncaught %s, then it logs it, closes everything and exits 1',
    async (crash, kind, message) => {
      const env = serviceTestEnv(`lifecycle-${crash}`);
      const p = run({ ...env, PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'production', MINIMAL_CRASH: crash });
      try {
        expect(await p.exited, p.err()).toBe(1);
        const lines = p
          .out()
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { level: string; msg: string; err?: { message: string } });
        const fatal = lines.find((l) => l.level === 'fatal');
        expect(fatal?.msg).toBe(`${kind}; closing and exiting`);
        expect(fatal?.err?.message).toBe(message);
        const after = lines.slice(lines.indexOf(fatal as (typeof lines)[number])).map((l) => l.msg);
        expect(after).toContain('fixture worker closed');
        expect(after.at(-1)).toBe('stopped');
      } finally {
        p.child.kill('SIGKILL');
        await dropDatabase(env.DATABASE_URL as string);
      }
    },
  );

  it('When a service builds its app without its registry, then it refuses to start, so /metrics never misses the consumers and relay', async () => {
    const env = serviceTestEnv('lifecycle-registry');
    const p = run({ ...env, PORT: '0', MINIMAL_OWN_REGISTRY: '1' });
    try {
      expect(await p.exited).not.toBe(0);
      expect(p.err() + p.out()).toContain('build must pass deps.metrics to createHttpApp');
    } finally {
      p.child.kill('SIGKILL');
      await dropDatabase(env.DATABASE_URL as string);
    }
  });

  it('When production would serve as a superuser, then the service refuses to start, saying row-level security would not apply', async () => {
    const env = serviceTestEnv('lifecycle-super');
    const superuser = new URL(testInfra().postgresAdminUrl);
    superuser.pathname = new URL(env.DATABASE_URL as string).pathname;
    const p = run({
      ...env,
      PORT: '0',
      NODE_ENV: 'production',
      DATABASE_URL: superuser.toString(),
      DATABASE_OWNER_URL: '',
    });
    try {
      expect(await p.exited).not.toBe(0);
      expect(p.err()).toMatch(/DATABASE_URL: role ".*" is a superuser, so row-level security would not apply/);
      expect(p.out()).not.toMatch(/listening/);
    } finally {
      p.child.kill('SIGKILL');
      await dropDatabase(env.DATABASE_URL as string);
    }
  });
});
