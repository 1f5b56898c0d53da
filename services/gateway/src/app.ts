import cors from '@fastify/cors';
import { registerAuth } from '@marquee/platform-auth';
import { createHttpApp, type HttpApp } from '@marquee/platform-http';
import { type GatewayDeps, gatewayReadiness } from './deps';
import { prefixRouteOf } from './domain/route-table';
import { registerEdgeProtection } from './edge-protection';
import { trustProxySetting } from './domain/trust-proxy';
import { deferredHits } from './limits/deferred-hits';
import { rateLimitHook } from './limits/rate-limit-hook';
import { localWindowLimiter } from './limits/local-window';
import { slidingWindowLimiter } from './limits/sliding-window';
import type { OpsListener } from './ops-listener';
import { exportRoutes } from './routes/export';
import { openApiRoutes } from './routes/openapi-docs';
import { PROXIED, proxyRoutes } from './routes/proxy';
import { streamRoutes } from './routes/stream';

const EXPOSED_HEADERS = [
  'x-request-id',
  'x-correlation-id',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'retry-after',
];

function corsOrigin(setting: string): boolean | string[] {
  const origins = setting
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  return origins.includes('*') ? true : origins;
}

/** The public edge: token check, rate limits, CORS, then the gateway's own routes and the proxy; operations routes only through `ops`. */
export async function buildGatewayApp(deps: GatewayDeps, ops: OpsListener): Promise<HttpApp> {
  const { config } = deps;
  const app = await createHttpApp({
    service: 'gateway',
    logger: deps.logger,
    readiness: gatewayReadiness(deps),
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    trustProxy: trustProxySetting(config.TRUST_PROXY),
    serveOpenapi: false,
    openapi: { title: 'Marquee gateway' },
    metrics: deps.metrics,
    announceRouteTemplate: false,
    // Proxied calls are labelled with the upstream's template (routes/proxy.ts), refused ones with their prefix.
    routeLabel: (req) => (req.routeOptions.url === PROXIED ? prefixRouteOf(req.url.split('?', 1)[0] ?? '') : undefined),
  });
  await registerEdgeProtection(app, config);
  app.addHook('onRequest', ops.guard);
  if (config.CORS_ORIGINS) {
    const origin = corsOrigin(config.CORS_ORIGINS);
    await app.register(cors, {
      origin,
      credentials: origin !== true,
      exposedHeaders: EXPOSED_HEADERS,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      maxAge: 600,
    });
  }
  registerAuth(app, { jwksUrl: config.AUTH_JWKS_URL, cacheMaxEntries: config.AUTH_TOKEN_CACHE_SIZE });
  const limiter = deferredHits(slidingWindowLimiter(deps.redis, config.REDIS_KEY_PREFIX), {
    onFlushError: (err) => deps.logger.warn({ err }, 'deferred rate-limit counts not sent to Redis'),
  });
  // Requests let through before the HTTP server stopped are counted while Redis is still open.
  app.addHook('onClose', () => limiter.flush());
  app.addHook(
    'onRequest',
    rateLimitHook(
      limiter,
      {
        perUserPerMinute: config.RATE_LIMIT_PER_MINUTE,
        perIpPerMinute: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
        loginPerIpPerMinute: config.LOGIN_RATE_LIMIT_PER_MINUTE,
        registerPerIpPerMinute: config.REGISTER_RATE_LIMIT_PER_MINUTE,
        suggestPerMinute: config.SUGGEST_RATE_LIMIT_PER_MINUTE,
      },
      localWindowLimiter(),
    ),
  );
  await app.register(streamRoutes, {
    nats: deps.nats,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
    maxPerUser: config.SSE_MAX_STREAMS_PER_USER,
    subjectPrefix: config.NATS_SUBJECT_PREFIX,
  });
  await app.register(exportRoutes, {
    nats: deps.nats,
    services: config.GDPR_EXPORT_SERVICES.split(','),
    timeoutMs: config.GDPR_EXPORT_TIMEOUT_MS,
    subjectPrefix: config.NATS_SUBJECT_PREFIX,
  });
  await app.register(proxyRoutes, { pools: deps.pools, activity: deps.activity, sessionCookie: config.SESSION_COOKIE });
  await openApiRoutes(app, { pools: deps.pools, cacheMs: config.OPENAPI_CACHE_MS });
  return app;
}
