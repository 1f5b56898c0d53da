/** Readiness probes: a service is ready when it answers a real request (SELECT 1, PING, NATS flush, Kafka metadata). */
import { type InfraService, STARTUP_TIMEOUT_MS } from './docker';

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(what: string, timeoutMs: number, probe: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 50; Date.now() < deadline; delay = Math.min(delay * 2, 500)) {
    try {
      await probe();
      return;
    } catch (err) {
      last = err;
    }
    await sleep(delay);
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms: ${(last as Error)?.message ?? last}`);
}

/** The part of pg's API used here (@types/pg is not a dependency of this package). */
export interface PgClientLike {
  connect(): Promise<unknown>;
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** Loads pg without needing its type declarations. */
export async function loadPg(): Promise<{
  Client: new (cfg: { connectionString: string; connectionTimeoutMillis?: number }) => PgClientLike;
}> {
  const name = 'pg';
  return ((await import(name)) as { default: never }).default;
}

async function probePostgres(url: string) {
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}

async function probeRedis(url: string) {
  const { Redis } = await import('ioredis');
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    const pong = await r.ping();
    if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
  } finally {
    r.disconnect();
  }
}

async function probeNats(url: string) {
  const { connect } = await import('nats');
  const nc = await connect({ servers: url, reconnect: false, timeout: 2000 });
  try {
    await nc.flush();
  } finally {
    await nc.close();
  }
}

async function probeKafka(brokers: string[]) {
  const { default: kafkajs } = await import('kafkajs');
  const kafka = new kafkajs.Kafka({
    clientId: 'marquee-containers-probe',
    brokers,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    // A metadata request; a broker still starting answers without a controller or brokers.
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null) throw new Error('no controller yet');
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Waits until a service answers a real request (SELECT 1, PING, NATS flush, Kafka metadata). */
export async function waitUntilReady(
  service: InfraService,
  endpoint: string | string[],
  timeoutMs = STARTUP_TIMEOUT_MS,
): Promise<void> {
  const ep = endpoint;
  const probe = {
    postgres: () => probePostgres(ep as string),
    redis: () => probeRedis(ep as string),
    nats: () => probeNats(ep as string),
    kafka: () => probeKafka(Array.isArray(ep) ? ep : [ep]),
  }[service];
  await until(`${service} at ${ep}`, timeoutMs, probe);
}
