/**
 * Real PostgreSQL, Redis, NATS and Kafka in containers, from the images that
 * `deploy/images/build.sh` builds locally (marquee/<name>:local; nothing is pulled).
 *
 * Needs a Docker engine: `deploy/local/docker-engine.sh start` (it starts Debian's dockerd 20.10 as
 * root when none answers). Ryuk cannot be pulled here, so it is disabled: containers are removed by
 * `stop()`, and containers of crashed runs by `sweepLeftoverContainers()` (the global setup calls it once).
 *
 * Each service's host port is a free port chosen here and bound fixed (never Docker's random one),
 * so a stopped/killed and restarted container comes back on the same address. Kafka's port is
 * mapped 1:1 (host P -> container P, listener and advertised address 127.0.0.1:P), so a restarted
 * broker keeps the address its clients know.
 */
import type { StartedTestContainer } from 'testcontainers';
import { image, type InfraService, removeByName, removeQuietly, STARTUP_TIMEOUT_MS, tc } from './docker';
import { ownerLabels } from './ownership';
import { freePort } from './ports';
import { waitUntilReady } from './readiness';

export interface InfraContainers {
  postgresAdminUrl: string;
  redisUrl: string;
  natsUrl: string;
  kafkaBrokers: string[];
  containers: Record<InfraService, { id: string; name: string }>;
  /** Removes the four containers (idempotent). */
  stop(): Promise<void>;
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
      .withLabels(ownerLabels(runId, spec.service, startedAt))
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

/**
 * Starts PostgreSQL, Redis, NATS and Kafka containers (in parallel) and resolves once each answers
 * a real request. On any failure, removes what it started.
 */
export async function startInfraContainers(opts: { label?: string } = {}): Promise<InfraContainers> {
  const runId = opts.label ?? `r${Date.now().toString(36)}${process.pid.toString(36)}`;
  const startedAt = String(Date.now());
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
 * A container of its own (a Kafka broker, a NATS server), for fault tests that kill it: the run's shared one
 * must stay up for the other test files. Its host port is fixed, so after a kill and start it is at the same address.
 */
export async function startOwnContainer(
  service: InfraService,
  label: string,
): Promise<{ endpoint: string; id: string; stop(): Promise<void> }> {
  const spec = SPECS.find((s) => s.service === service);
  if (!spec) throw new Error(`no ${service} container spec`);
  const { c, endpoint } = await startOne(spec, label, String(Date.now()));
  return { endpoint, id: c.getId(), stop: () => removeQuietly(c.getId()) };
}

/** A Kafka broker of its own (see startOwnContainer). */
export async function startKafkaContainer(
  label: string,
): Promise<{ brokers: string[]; id: string; stop(): Promise<void> }> {
  const { endpoint, id, stop } = await startOwnContainer('kafka', label);
  return { brokers: [endpoint], id, stop };
}
