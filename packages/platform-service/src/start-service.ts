import type { AddressInfo } from 'node:net';
import type { EventConsumer, OutboxRelay } from '@marquee/platform-events';
import { transientFailure } from '@marquee/platform-db';
import {
  answerUnavailableOn,
  type Closer,
  createHttpApp,
  type HttpApp,
  type ReadinessCheck,
  runUntilSignalled,
} from '@marquee/platform-http';
import { createLogger } from '@marquee/platform-logging';
import type { RoleConfig, ServiceConfig } from './config';
import { closeAll, closers, openServiceDeps, readinessChecks, type ServiceDeps, startRelay } from './deps';
import { lowerOwnPriority, roleOf, type ServiceRole } from './role';

/** What a service's own wiring starts on top of its dependencies. */
export interface ServiceParts<X> {
  app: HttpApp;
  /** Stopped right after the HTTP server, before the relay and the connections. */
  consumers?: EventConsumer[];
  /** The service's own workers (jobs, subscriptions, caches), closed after the consumers. */
  closers?: Closer[];
  /** What its use cases share (tests reach the service through it). */
  ctx: X;
}

export interface ServiceSpec<C extends ServiceConfig, X> {
  name: string;
  config: C;
  migrationsFolder: string;
  /** Logical topics it publishes or consumes; created with their DLQs before anything starts. */
  topics: string[];
  /** Publish the outbox to Kafka (default true). */
  relay?: boolean;
  /**
   * Builds the use-case context, runs one-off start work, starts consumers and builds the app. `role` is what this
   * process runs of it (always `all` unless the config has platform-service's roleConfig): an `api` process starts
   * no consumer or scheduled job, a `worker` serves `opsApp` instead of the API.
   */
  build(deps: ServiceDeps, role: ServiceRole): Promise<ServiceParts<X>>;
}

export interface RunningService<X> {
  name: string;
  role: ServiceRole;
  deps: ServiceDeps;
  ctx: X;
  app: HttpApp;
  consumers: EventConsumer[];
  relay: OutboxRelay | undefined;
  /** Listens (main.ts), logs the port actually bound, and on SIGTERM/SIGINT closes everything and exits. */
  listen(port: number): Promise<number>;
  /** Closes the app, workers and connections in order (tests; listen's signal handler does the same). */
  close(): Promise<void>;
}

/**
 * The one start order of every service: dependencies (database created and migrated, topics, Redis,
 * NATS) → the service's build → outbox relay. main.ts listens on the result; tests use app.inject.
 */
export async function startService<C extends ServiceConfig, X>(spec: ServiceSpec<C, X>): Promise<RunningService<X>> {
  const logger = createLogger(spec.name, spec.config.LOG_LEVEL);
  const role = roleOf(spec.config);
  // First, so that all of a worker's start work (migrations, a model's training) runs at its priority too.
  if (role === 'worker') lowerOwnPriority((spec.config as Partial<RoleConfig>).WORKER_NICE ?? 10, logger);
  const deps = await openServiceDeps(spec.name, spec.config, {
    migrationsFolder: spec.migrationsFolder,
    topics: spec.topics,
    logger,
  });
  let parts: ServiceParts<X>;
  let relay: OutboxRelay | undefined;
  try {
    parts = await spec.build(deps, role);
  } catch (err) {
    await closeAll(closers(deps), deps.logger);
    throw err;
  }
  if (parts.app.metricsRegistry !== deps.metrics) {
    await parts.app.close();
    await closeAll(closers(deps, { consumers: parts.consumers, own: parts.closers }), deps.logger);
    throw new Error(`${spec.name}: build must pass deps.metrics to createHttpApp so that /metrics serves its registry`);
  }
  const { app } = parts;
  // A request that fails because the database cannot serve now is a 503 with Retry-After, not a 500.
  answerUnavailableOn(app, 'database', transientFailure);
  const consumers = parts.consumers ?? [];
  const own = parts.closers ?? [];
  try {
    relay = spec.relay === false ? undefined : await startRelay(deps);
  } catch (err) {
    await app.close();
    await closeAll(closers(deps, { consumers, own }), deps.logger);
    throw err;
  }
  const workers = closers(deps, { consumers, own, relay });
  if (role !== 'all') logger.info({ role }, `${spec.name} runs as its ${role} process`);
  return {
    name: spec.name,
    role,
    deps,
    ctx: parts.ctx,
    app,
    consumers,
    relay,
    async listen(port) {
      await runUntilSignalled({
        app,
        port,
        host: deps.config.HOST,
        logger: deps.logger,
        closers: workers,
        shutdownTimeoutMs: deps.config.SHUTDOWN_TIMEOUT_MS,
      });
      const bound = (app.server.address() as AddressInfo).port;
      deps.logger.info({ port: bound }, `${spec.name} listening on ${bound}`);
      return bound;
    },
    async close() {
      await app.close().catch((err: unknown) => deps.logger.warn({ err }, 'closing HTTP server failed'));
      await closeAll(workers, deps.logger);
    },
  };
}

/**
 * A worker's HTTP app: /health/live, /health/ready (with the given checks, by default the service's connections) and
 * /metrics, nothing else; its API is served by the service's api processes.
 */
export function opsApp(
  deps: ServiceDeps,
  readiness: Record<string, ReadinessCheck> = readinessChecks(deps),
): Promise<HttpApp> {
  return createHttpApp({
    service: deps.name,
    logger: deps.logger,
    readiness,
    metrics: deps.metrics,
    serveOpenapi: false,
  });
}
