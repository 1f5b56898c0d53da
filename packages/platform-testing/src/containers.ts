/**
 * Real PostgreSQL, Redis, NATS and Kafka in containers, from the images that
 * `deploy/images/build.sh` builds locally (marquee/<name>:local; nothing is pulled).
 *
 * Needs a Docker engine: `deploy/local/docker-engine.sh start` (it starts Debian's dockerd 20.10 as
 * root when none answers). Ryuk cannot be pulled here, so it is disabled: containers are removed by
 * `stop()`, and containers of crashed runs by `sweepLeftoverContainers()` (called at every start).
 *
 * Every container is labelled `marquee.test=1`, `marquee.test.run=<run id>`, `marquee.test.service`
 * and `marquee.test.owner=<hostname>:<pid>:<process start>` so that a sweep removes only containers
 * whose owning process is gone (parallel runs on one engine leave each other alone).
 *
 * Each service's host port is a free port chosen here and bound fixed (never Docker's random one),
 * so a stopped/killed and restarted container comes back on the same address. Kafka's port is
 * mapped 1:1 (host P -> container P, listener and advertised address 127.0.0.1:P), so a restarted
 * broker keeps the address its clients know.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import type { StartedTestContainer } from 'testcontainers';

// Before testcontainers is loaded (it is imported lazily below): no Ryuk (it can't be pulled here)
// and published ports are reached on loopback, where dockerd --ip=127.0.0.1 binds them.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

export type InfraService = 'postgres' | 'redis' | 'nats' | 'kafka';

export interface InfraContainers {
  postgresAdminUrl: string;
  redisUrl: string;
  natsUrl: string;
  kafkaBrokers: string[];
  containers: Record<InfraService, { id: string; name: string }>;
  /** Removes the four containers (idempotent). */
  stop(): Promise<void>;
}

export const TEST_LABEL = 'marquee.test';
const RUN_LABEL = 'marquee.test.run';
const SERVICE_LABEL = 'marquee.test.service';
const OWNER_LABEL = 'marquee.test.owner';
const STARTED_LABEL = 'marquee.test.started';

/** Image tag used for every service; MARQUEE_IMAGE_TAG=<hash12> pins an exact build. */
function image(name: InfraService): string {
  return `marquee/${name}:${process.env.MARQUEE_IMAGE_TAG ?? 'local'}`;
}

const STARTUP_TIMEOUT_MS = Number(process.env.MARQUEE_CONTAINER_STARTUP_TIMEOUT_MS ?? 120_000);

async function tc() {
  return import('testcontainers');
}

async function dockerode() {
  const { getContainerRuntimeClient } = await tc();
  return (await getContainerRuntimeClient()).container.dockerode;
}

/** Linux process start time (clock ticks since boot): with the pid, it names a process uniquely. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; fields after the ")" of the command name are space separated.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function ownerId(pid = process.pid): string {
  return `${os.hostname()}:${pid}:${processStart(pid) ?? '?'}`;
}

/** False only when the owner ran on this host and that process is gone. */
export function ownerAlive(owner: string | undefined): boolean {
  if (!owner) return false;
  const [host, pidText, start] = owner.split(':');
  if (host !== os.hostname()) return true; // another machine's run on a shared engine: not ours to judge
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start === '?' || start === undefined) return true;
  return processStart(pid) === start; // a recycled pid has another start time
}

/**
 * Removes containers labelled `marquee.test=1` whose owning test process has died (crashed runs,
 * killed workers), and any older than `maxAgeMs` (default 6 h). Never reuses them.
 * Returns the names it removed.
 */
export async function sweepLeftoverContainers(opts: { maxAgeMs?: number } = {}): Promise<string[]> {
  const maxAgeMs = opts.maxAgeMs ?? 6 * 3600_000;
  const docker = await dockerode();
  const list = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=1`] } });
  const removed: string[] = [];
  for (const c of list) {
    const labels = c.Labels ?? {};
    const started = Number(labels[STARTED_LABEL] ?? c.Created * 1000);
    const stale = Date.now() - started > maxAgeMs;
    if (ownerAlive(labels[OWNER_LABEL]) && !stale) continue;
    try {
      await docker.getContainer(c.Id).remove({ force: true, v: true });
      removed.push(c.Names?.[0]?.replace(/^\//, '') ?? c.Id);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }
  return removed;
}

/** A port that nothing on 127.0.0.1 listens on right now (the OS's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

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

interface Spec {
  service: InfraService;
  /** Builds the container for a chosen host port. */
  container: (port: number) => {
    containerPort: number;
    env?: Record<string, string>;
    log: RegExp;
  };
  endpoint: (port: number) => string;
}

const SPECS: Spec[] = [
  {
    service: 'postgres',
    container: () => ({ containerPort: 5432, log: /database system is ready to accept connections/ }),
    endpoint: (p) => `postgres://postgres@127.0.0.1:${p}/postgres`,
  },
  {
    service: 'redis',
    container: () => ({ containerPort: 6379, log: /Ready to accept connections/ }),
    endpoint: (p) => `redis://127.0.0.1:${p}`,
  },
  {
    service: 'nats',
    container: () => ({ containerPort: 4222, log: /Server is ready/ }),
    endpoint: (p) => `nats://127.0.0.1:${p}`,
  },
  {
    service: 'kafka',
    container: (p) => ({
      containerPort: p, // 1:1, so the advertised address is right from the host and survives restarts
      env: {
        KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${p},CONTROLLER://127.0.0.1:9093`,
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${p}`,
      },
      log: /Kafka Server started/,
    }),
    endpoint: (p) => `127.0.0.1:${p}`,
  },
];

function isPortClash(err: unknown): boolean {
  return /port is already allocated|address already in use|bind/i.test(String((err as Error)?.message ?? err));
}

async function startOne(
  spec: Spec,
  runId: string,
  startedAt: string,
): Promise<{ c: StartedTestContainer; endpoint: string }> {
  const { GenericContainer, Wait } = await tc();
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const cfg = spec.container(port);
    const name = `marquee-test-${spec.service}-${runId}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
    let gc = new GenericContainer(image(spec.service))
      .withName(attempt === 1 ? name : `${name}-${attempt}`)
      .withLabels({
        [TEST_LABEL]: '1',
        [RUN_LABEL]: runId,
        [SERVICE_LABEL]: spec.service,
        [OWNER_LABEL]: ownerId(),
        [STARTED_LABEL]: startedAt,
      })
      .withExposedPorts({ container: cfg.containerPort, host: port })
      .withWaitStrategy(Wait.forLogMessage(cfg.log))
      .withStartupTimeout(STARTUP_TIMEOUT_MS);
    if (cfg.env) gc = gc.withEnvironment(cfg.env);
    try {
      const c = await gc.start();
      const endpoint = spec.endpoint(port);
      try {
        await waitUntilReady(spec.service, endpoint);
      } catch (err) {
        await removeQuietly(c.getId());
        throw err;
      }
      return { c, endpoint };
    } catch (err) {
      // The free port can be taken between the check and docker's bind: try another one.
      if (attempt < 3 && isPortClash(err)) {
        await removeByName(attempt === 1 ? name : `${name}-${attempt}`);
        continue;
      }
      if (/No such image|pull access denied|not found: manifest unknown|repository does not exist/i.test(String(err))) {
        throw new Error(
          `${image(spec.service)} is missing: build it with deploy/images/build.sh ${spec.service} (${(err as Error).message})`,
        );
      }
      throw err;
    }
  }
}

async function removeQuietly(id: string) {
  try {
    await (await dockerode()).getContainer(id).remove({ force: true, v: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

async function removeByName(name: string) {
  const docker = await dockerode();
  const list = await docker.listContainers({ all: true, filters: { name: [`^/${name}$`] } });
  for (const c of list) await removeQuietly(c.Id);
}

/**
 * Starts PostgreSQL, Redis, NATS and Kafka containers (in parallel) and resolves once each answers
 * a real request. Sweeps leftovers of crashed runs first. On any failure, removes what it started.
 */
export async function startInfraContainers(opts: { label?: string } = {}): Promise<InfraContainers> {
  const runId = opts.label ?? `r${Date.now().toString(36)}${process.pid.toString(36)}`;
  const startedAt = String(Date.now());
  await sweepLeftoverContainers();
  const results = await Promise.allSettled(SPECS.map((s) => startOne(s, runId, startedAt)));
  const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected' ? [`${SPECS[i]?.service}: ${(r.reason as Error)?.message ?? r.reason}`] : [],
  );
  if (failed.length > 0) {
    await Promise.all(ok.map(({ c }) => removeQuietly(c.getId())));
    throw new Error(`could not start test containers: ${failed.join('; ')}`);
  }
  const by = Object.fromEntries(SPECS.map((s, i) => [s.service, ok[i]])) as Record<
    InfraService,
    { c: StartedTestContainer; endpoint: string }
  >;
  const containers = Object.fromEntries(
    SPECS.map((s) => [s.service, { id: by[s.service].c.getId(), name: by[s.service].c.getName().replace(/^\//, '') }]),
  ) as InfraContainers['containers'];
  let stopped = false;
  return {
    postgresAdminUrl: by.postgres.endpoint,
    redisUrl: by.redis.endpoint,
    natsUrl: by.nats.endpoint,
    kafkaBrokers: [by.kafka.endpoint],
    containers,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Removing with force kills at once: test data is thrown away anyway.
      await Promise.all(Object.values(containers).map(({ id }) => removeQuietly(id)));
    },
  };
}

/**
 * For fault tests: stop (SIGTERM, then SIGKILL after 10 s), kill (SIGKILL), start or restart a
 * container by id. Host ports are fixed, so a service comes back on the same address; this does not
 * wait for readiness (use waitUntilReady).
 */
export async function controlContainer(id: string, action: 'stop' | 'kill' | 'start' | 'restart'): Promise<void> {
  const c = (await dockerode()).getContainer(id);
  try {
    switch (action) {
      case 'stop':
        await c.stop({ t: 10 });
        break;
      case 'kill':
        await c.kill({ signal: 'SIGKILL' });
        break;
      case 'start':
        await c.start();
        break;
      case 'restart':
        await c.restart({ t: 10 });
        break;
    }
  } catch (err) {
    // 304: already stopped / already started; 409 on kill: not running. All mean "already there".
    const code = (err as { statusCode?: number }).statusCode;
    if (code === 304 || (action === 'kill' && code === 409)) return;
    throw err;
  }
}

/** Names of the labelled containers that exist now (any state), optionally of one run. */
export async function listTestContainers(runId?: string): Promise<string[]> {
  const docker = await dockerode();
  const label = runId ? [`${TEST_LABEL}=1`, `${RUN_LABEL}=${runId}`] : [`${TEST_LABEL}=1`];
  const list = await docker.listContainers({ all: true, filters: { label } });
  return list.map((c) => c.Names?.[0]?.replace(/^\//, '') ?? c.Id);
}

/**
 * A Kafka broker of its own, for fault tests that kill it: the run's shared broker must stay up for
 * the other test files. Its host port is fixed, so after a kill and start it is at the same address.
 */
export async function startKafkaContainer(
  label: string,
): Promise<{ brokers: string[]; id: string; stop(): Promise<void> }> {
  const spec = SPECS.find((s) => s.service === 'kafka');
  if (!spec) throw new Error('no kafka container spec');
  const { c, endpoint } = await startOne(spec, label, String(Date.now()));
  return { brokers: [endpoint], id: c.getId(), stop: () => removeQuietly(c.getId()) };
}
