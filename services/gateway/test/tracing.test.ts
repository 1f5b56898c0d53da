import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  dropDatabase,
  eventually,
  freePort,
  repoRoot,
  runTs,
  serviceTestEnv,
  type TsProcess,
  uniqueName,
} from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationTestEnv } from '../../notification/test/fixtures/notification-env';

// One request through gateway → auth → outbox → Kafka → notification's consumer, with every process
// exporting to a real Zipkin (its exec jar from Maven Central, run here as a child `java -jar`).

interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

async function startZipkin(): Promise<{ url: string; child: ChildProcess; log(): string }> {
  const { stdout } = await promisify(execFile)('bash', [path.join(repoRoot, 'deploy/local/zipkin.sh'), 'jar'], {
    timeout: 300_000,
  });
  const jar = stdout.trim().split('\n').pop() as string;
  const port = await freePort();
  const child = spawn(
    'java',
    [
      '-Xms64m',
      '-Xmx384m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-jar',
      jar,
      '--armeria.ports[0].ip=127.0.0.1',
      `--armeria.ports[0].port=${port}`,
    ],
    { env: { PATH: process.env.PATH ?? '', STORAGE_TYPE: 'mem' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (b) => (out += b));
  child.stderr?.on('data', (b) => (out += b));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`zipkin exited: ${out.slice(-2000)}`);
      const res = await fetch(`${url}/health`);
      return res.ok;
    },
    { timeoutMs: 150_000, intervalMs: 500, what: 'zipkin /health' },
  );
  return { url, child, log: () => out };
}

async function waitForLine(proc: TsProcess, re: RegExp, what: string): Promise<RegExpExecArray> {
  return eventually(
    () => {
      if (proc.child.exitCode !== null) throw new Error(`${what} exited: ${proc.err().slice(-2000)}`);
      return re.exec(proc.out()) ?? undefined;
    },
    { timeoutMs: 120_000, intervalMs: 100, what },
  );
}

async function stop(proc: TsProcess | undefined): Promise<void> {
  if (!proc || proc.child.exitCode !== null) return;
  proc.child.kill('SIGTERM');
  await proc.exited;
}

describe('tracing across processes', () => {
  const prefix = `${uniqueName('trace')}.`;
  const shared = { KAFKA_TOPIC_PREFIX: prefix, NATS_SUBJECT_PREFIX: prefix };
  let zipkin: Awaited<ReturnType<typeof startZipkin>>;
  let auth: TsProcess;
  let notification: TsProcess;
  let gateway: TsProcess;
  const databases: string[] = [];
  let api = '';

  const tracing = (service: string) => ({
    OTEL_TRACES_EXPORTER: 'zipkin',
    OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkin.url}/api/v2/spans`,
    OTEL_SERVICE_NAME: service,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    // Every trace kept (the default keeps a tenth): the test follows one request.
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  });

  beforeAll(async () => {
    zipkin = await startZipkin();
    const key = () => randomBytes(32).toString('base64');
    const authEnv: Record<string, string> = {
      ...serviceTestEnv('tr_auth'),
      ...shared,
      ...tracing('auth'),
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      AUTH_ENCRYPTION_KEYS: `k1:${key()}`,
      AUTH_ENCRYPTION_ACTIVE_KID: 'k1',
      AUTH_EMAIL_HASH_KEY: key(),
      AUTH_ARGON2_MEMORY_KIB: '19456',
      AUTH_REDIS_PREFIX: `${prefix}auth:`,
    };
    const notificationEnv = notificationTestEnv('tr_notif', {
      ...shared,
      ...tracing('notification'),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    });
    databases.push(authEnv.DATABASE_URL as string, notificationEnv.DATABASE_URL as string);
    auth = runTs(path.join(repoRoot, 'services/auth/src/main.ts'), authEnv);
    notification = runTs(path.join(repoRoot, 'services/notification/src/main.ts'), notificationEnv);
    const authPort = (await waitForLine(auth, /auth listening on (\d+)/, 'auth'))[1];
    await waitForLine(notification, /notification listening on (\d+)/, 'notification');
    const authUrl = `http://127.0.0.1:${authPort}`;
    gateway = runTs(path.join(repoRoot, 'services/gateway/src/main.ts'), {
      ...tracing('gateway'),
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      OPS_PORT: '0',
      KAFKA_BROKERS: authEnv.KAFKA_BROKERS as string,
      KAFKA_TOPIC_PREFIX: prefix,
      REDIS_URL: authEnv.REDIS_URL as string,
      NATS_URL: authEnv.NATS_URL as string,
      NATS_SUBJECT_PREFIX: prefix,
      REDIS_KEY_PREFIX: `${prefix}gateway:`,
      AUTH_URL: authUrl,
      AUTH_JWKS_URL: `${authUrl}/.well-known/jwks.json`,
      CATALOG_URL: '',
    });
    api = `http://127.0.0.1:${(await waitForLine(gateway, /"port":(\d+)[^\n]*gateway listening/, 'gateway'))[1]}/api/v1`;
  }, 400_000);

  afterAll(async () => {
    await Promise.all([stop(gateway), stop(auth), stop(notification)]);
    zipkin?.child.kill('SIGTERM');
    for (const url of databases) await dropDatabase(url);
  });

  it("When a user registers through the gateway, then Zipkin holds one trace from the gateway through auth, its outbox row and Kafka to notification's consumer, and the services' logs carry its id", async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const tag = randomBytes(4).toString('hex');
    const account = { username: `tr_${tag}`, email: `tr.${tag}@example.com`, password: 'Velvet-Curtain-2031' };
    const res = await fetch(`${api}/auth/register`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': `198.18.${randomBytes(1)[0]}.${randomBytes(1)[0]}`,
        traceparent: `00-${traceId}-${callerSpan}-01`,
      },
      body: JSON.stringify(account),
    });
    expect(res.status, await res.clone().text()).toBe(201);

    const of = (spans: ZipkinSpan[], service: string) => spans.filter((s) => s.localEndpoint?.serviceName === service);
    const show = (spans: ZipkinSpan[]) =>
      spans.map((s) => `${s.localEndpoint?.serviceName} ${s.kind ?? '-'} ${s.name} ${s.id}<${s.parentId}`).join('\n');
    // Each process exports on its own schedule: wait until every process's part of the trace has arrived.
    let seen: ZipkinSpan[] = [];
    const complete = (all: ZipkinSpan[]) => {
      const consumer = of(all, 'notification').find((s) => s.kind === 'CONSUMER');
      return (
        of(all, 'gateway').some((s) => s.kind === 'SERVER') &&
        of(all, 'gateway').some((s) => s.kind === 'CLIENT') &&
        of(all, 'auth').some((s) => s.kind === 'SERVER') &&
        of(all, 'auth').some((s) => s.kind === 'PRODUCER') &&
        consumer !== undefined &&
        all.some((s) => s.parentId === consumer.id)
      );
    };
    const spans = await eventually(
      async () => {
        const r = await fetch(`${zipkin.url}/api/v2/trace/${traceId}`);
        if (!r.ok) return undefined;
        seen = (await r.json()) as ZipkinSpan[];
        return complete(seen) ? seen : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `trace ${traceId} in zipkin` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; spans so far:\n${show(seen)}`);
    });
    const byId = new Map(spans.map((s) => [s.id, s]));
    const parentOf = (s: ZipkinSpan | undefined) => (s?.parentId ? byId.get(s.parentId) : undefined);
    const tree = () => show(spans);

    // gateway: the server span continues the caller's trace; its call to auth is a client span under it.
    const gwServer = of(spans, 'gateway').find((s) => s.kind === 'SERVER' && s.parentId === callerSpan);
    expect(gwServer, tree()).toBeDefined();
    const authServer = of(spans, 'auth').find((s) => s.kind === 'SERVER');
    expect(authServer, tree()).toBeDefined();
    const gwClient = parentOf(authServer);
    expect(gwClient?.localEndpoint?.serviceName, tree()).toBe('gateway');
    expect(gwClient?.kind).toBe('CLIENT');
    // auth's own work: its queries (the user and outbox inserts) inside the request.
    const authQueries = of(spans, 'auth').filter(
      (s) => s.tags?.['db.system.name'] === 'postgresql' || s.tags?.['db.system'] === 'postgresql',
    );
    expect(
      authQueries.some((s) => /insert/i.test(s.tags?.['db.query.text'] ?? s.tags?.['db.statement'] ?? '')),
      tree(),
    ).toBe(true);
    // The relay's publish span is a child of the request that wrote the outbox row, not of a poll.
    const publish = of(spans, 'auth').find((s) => s.kind === 'PRODUCER');
    expect(publish?.name, tree()).toBe(`publish ${prefix}auth.user.v1`.toLowerCase());
    let ancestor = parentOf(publish);
    while (ancestor && ancestor !== authServer) ancestor = parentOf(ancestor);
    expect(ancestor, 'publish span descends from auth server span').toBe(authServer);
    // notification's consumer span is the publish span's child; its queries are the consumer span's.
    const consumer = of(spans, 'notification').find((s) => s.kind === 'CONSUMER');
    expect(consumer?.name).toBe('notification process user.registered');
    expect(consumer?.parentId).toBe(publish?.id);
    expect(of(spans, 'notification').some((s) => s.parentId === consumer?.id)).toBe(true);

    // What left the processes names no personal data: no email, password or username in any span.
    const exported = JSON.stringify(spans);
    for (const secret of [account.email, account.password, account.username]) expect(exported).not.toContain(secret);

    // Log lines written inside the spans carry the trace id.
    expect(gateway.out()).toContain(`"trace_id":"${traceId}"`);
    expect(auth.out()).toContain(`"trace_id":"${traceId}"`);

    // Nothing else started a trace: not the relays' polls, the schedulers, nor the start-up work.
    await new Promise((r) => setTimeout(r, 1500));
    for (const service of ['auth', 'notification']) {
      const r = await fetch(`${zipkin.url}/api/v2/traces?serviceName=${service}&limit=50&lookback=3600000`);
      const traces = (await r.json()) as ZipkinSpan[][];
      expect(
        traces.map((t) => t[0]?.traceId),
        service,
      ).toEqual([traceId]);
    }
  }, 120_000);
});
