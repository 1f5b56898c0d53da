import type { AddressInfo } from 'node:net';
import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { loadConfig } from '@marquee/platform-config';
import { createHttpApp, type HttpApp, Type } from '@marquee/platform-http';
import { createLogger } from '@marquee/platform-logging';
import { serviceTestEnv } from '@marquee/platform-testing';
import { buildGatewayApp } from '../src/app';
import { type GatewayConfig, gatewayConfigSchema } from '../src/config';
import { type GatewayDeps, gatewayClosers, openGatewayDeps } from '../src/deps';
import { OpsListener } from '../src/ops-listener';

export const silent = createLogger('gateway-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** Config for a gateway under test: the run's Redis/NATS/Kafka, its own topic prefix, no upstreams unless given. */
export function gatewayTestConfig(overrides: Record<string, string>): GatewayConfig {
  const env = serviceTestEnv('gateway');
  return loadConfig('gateway', gatewayConfigSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: env.KAFKA_TOPIC_PREFIX,
    REDIS_URL: env.REDIS_URL,
    NATS_URL: env.NATS_URL,
    AUTH_URL: '',
    CATALOG_URL: '',
    NOTIFICATION_URL: '',
    INTERACTION_URL: '',
    ACTIVITY_FLUSH_MS: '20',
    REDIS_KEY_PREFIX: `${env.KAFKA_TOPIC_PREFIX}gateway:`,
    // A test process on a shared machine lags on its own; edge-protection.test.ts turns shedding on.
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...overrides,
  });
}

export interface RunningGateway {
  url: string;
  /** The operations port (/metrics, /health/ready). */
  opsUrl: string;
  app: HttpApp;
  deps: GatewayDeps;
  config: GatewayConfig;
  close(): Promise<void>;
}

/** A real gateway (real Redis, NATS, Kafka) listening on 127.0.0.1:<random port>. */
export async function startGateway(overrides: Record<string, string>): Promise<RunningGateway> {
  const config = gatewayTestConfig(overrides);
  const deps = await openGatewayDeps(config, silent);
  const ops = new OpsListener();
  const app = await buildGatewayApp(deps, ops);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const opsPort = await ops.listen(app, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    opsUrl: `http://127.0.0.1:${opsPort}`,
    app,
    deps,
    config,
    async close() {
      await ops.close();
      await app.close();
      for (const c of gatewayClosers(deps)) await c.close().catch(() => {});
    },
  };
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * A real upstream built like every Marquee service (createHttpApp), recording what reaches it:
 * /v1/echo (any method), /v1/movies/:id, /v1/search, /v1/me (needs a bearer header).
 */
export async function startUpstream(
  name = 'catalog',
): Promise<{ url: string; port: number; seen: SeenRequest[]; app: HttpApp; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const app = await createHttpApp({ service: name, logger: silent, openapi: { title: `Marquee ${name}` } });
  app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/v1/'))
      seen.push({ method: req.method, url: req.url, headers: { ...req.headers }, body: undefined });
  });
  app.addHook('preHandler', async (req) => {
    const last = seen[seen.length - 1];
    if (last && req.url.startsWith('/v1/')) last.body = req.body;
  });
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/v1/echo',
    handler: async (req, reply) => {
      reply.header('x-upstream', name).header('set-cookie', 'upstream=1; Path=/');
      return { method: req.method, query: req.query, body: req.body ?? null };
    },
  });
  app.get(
    '/v1/movies/:id',
    {
      schema: {
        tags: ['movies'],
        summary: 'One movie',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        response: { 200: Type.Object({ id: Type.Integer(), title: Type.String() }) },
      },
    },
    async (req) => ({ id: req.params.id, title: `Movie ${req.params.id}` }),
  );
  app.get(
    '/v1/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Search movies',
        querystring: Type.Object({ q: Type.Optional(Type.String()) }),
      },
    },
    async (req) => ({ items: [], query: req.query.q ?? null }),
  );
  app.post(
    '/v1/admin/movies',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a movie',
        body: Type.Object({ title: Type.String({ minLength: 1 }) }),
      },
    },
    async (_req, reply) => reply.code(201).send({ ok: true }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, seen, app, close: () => app.close() };
}

export { startTestIssuer, type TestIssuer };

export const aUser = '0190c4a2-7b1e-7c3d-8e4f-5a6b7c8d9e0f';
export const anotherUser = '0190c4a2-7b1e-7c3d-8e4f-5a6b7c8d9e10';

// biome-ignore lint/suspicious/noExplicitAny: assertions walk response JSON of many shapes
type AnyJson = any;
/** A response body as JSON, typed loosely for assertions. */
export const jsonOf = async (res: Response): Promise<AnyJson> => res.json();
