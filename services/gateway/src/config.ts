import { commonConfig, kafkaConfig, natsConfig, redisConfig, type Static, Type } from '@marquee/platform-config';

const upstreamUrl = (service: string, fallback: string) =>
  Type.String({
    pattern: '^$|^https?://[^\\s/]+/?$',
    default: fallback,
    description:
      `Base URL of the ${service} service (scheme://host:port). ` +
      (fallback ? '' : 'Empty: not routed yet, its routes answer 503 GATEWAY.UPSTREAM_UNAVAILABLE.'),
  });

/** The gateway's environment: no database, but Redis (rate limits), NATS (SSE, export) and Kafka (activity). */
export const gatewayConfigSchema = Type.Object({
  ...commonConfig,
  ...kafkaConfig,
  ...redisConfig,
  ...natsConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port of the public API.' }),
  OPS_PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 9080,
    description: 'Operations port: /metrics and /health/ready answer only here (the public port says 404).',
  }),
  OPS_HOST: Type.String({
    default: '127.0.0.1',
    description: 'Interface of the operations port; keep it off the public network.',
  }),
  AUTH_URL: upstreamUrl('auth', 'http://127.0.0.1:3001'),
  CATALOG_URL: upstreamUrl('catalog', 'http://127.0.0.1:3002'),
  INTERACTION_URL: upstreamUrl('interaction', 'http://127.0.0.1:3003'),
  RECOMMENDATION_URL: upstreamUrl('recommendation', ''),
  NOTIFICATION_URL: upstreamUrl('notification', 'http://127.0.0.1:3005'),
  ANALYTICS_URL: upstreamUrl('analytics', ''),
  AUTH_JWKS_URL: Type.String({
    pattern: '^https?://',
    default: 'http://127.0.0.1:3001/.well-known/jwks.json',
    description: "Auth's JWKS, against which the gateway verifies access tokens.",
  }),
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({
    minimum: 0,
    default: 1000,
    description:
      'Mean event-loop delay above which requests are shed with 503 SERVICE.OVERLOADED and Retry-After (0: no limit).',
  }),
  PRESSURE_MAX_EVENT_LOOP_UTILIZATION: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0,
    description: 'Event-loop utilisation (0–1) above which requests are shed the same way (0: no limit).',
  }),
  PRESSURE_RETRY_AFTER_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 10,
    description: 'Retry-After of a shed request.',
  }),
  PRESSURE_SAMPLE_INTERVAL_MS: Type.Integer({
    minimum: 10,
    maximum: 60000,
    default: 1000,
    description: 'How often the event-loop pressure is measured.',
  }),
  AUTH_TOKEN_CACHE_SIZE: Type.Integer({
    minimum: 0,
    default: 10_000,
    description:
      'Verified access tokens remembered until they expire, so a client repeating its token skips the signature check; 0: verify every request.',
  }),
  UPSTREAM_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: 'Longest wait for an upstream to send headers (and between body chunks) before 504.',
  }),
  UPSTREAM_CONNECTIONS: Type.Integer({
    minimum: 1,
    default: 256,
    description:
      'Most keep-alive connections the gateway opens to each upstream, and so its requests in flight to it (opened as needed).',
  }),
  BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    default: 1_048_576,
    description: 'Largest request body accepted; bigger ones get 413 before reaching a service.',
  }),
  TRUST_PROXY: Type.String({
    pattern: '^$|^(?!true$|false$|[0-9]+$)[\\w.:/]+(,[\\w.:/]+)*$',
    default: '',
    description:
      "Who may name the client in X-Forwarded-For: the proxies' addresses/CIDRs, comma-separated (e.g. the load balancer's subnet). Empty: nobody, the socket address is the client. A hop count is refused: it cannot tell a proxy from a client that connects directly.",
  }),
  CORS_ORIGINS: Type.String({
    default: '',
    description:
      'Comma-separated origins allowed by CORS (e.g. https://app.example.com); `*` for any; empty: no CORS headers.',
  }),
  REDIS_KEY_PREFIX: Type.String({
    pattern: '^[\\w.:-]{0,64}$',
    default: 'gateway:',
    description:
      "Namespace of the gateway's Redis keys; replicas of one deployment must share it (tests isolate with it).",
  }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 600,
    description: 'Requests per minute for one signed-in user, across all gateway replicas (sliding window in Redis).',
  }),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 120,
    description: 'Requests per minute for one client IP without a token.',
  }),
  LOGIN_RATE_LIMIT_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 10,
    description:
      'POST /api/v1/auth/login attempts per minute from one IP (auth also throttles per account); kept per replica while Redis is down.',
  }),
  REGISTER_RATE_LIMIT_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 5,
    description:
      'POST /api/v1/auth/register per minute from one IP: each costs an argon2 hash and answers whether an email is taken.',
  }),
  SUGGEST_RATE_LIMIT_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 600,
    description:
      'GET /api/v1/search/suggest per minute for one signed-in user, else one IP; apart from the general budget.',
  }),
  SSE_HEARTBEAT_MS: Type.Integer({
    minimum: 100,
    default: 15_000,
    description: 'Interval of the comment lines that keep /api/v1/stream connections open through proxies.',
  }),
  SSE_MAX_STREAMS_PER_USER: Type.Integer({
    minimum: 1,
    default: 5,
    description: 'Live streams one user may hold open at once on one gateway; more get 429 STREAM.TOO_MANY.',
  }),
  NATS_SUBJECT_PREFIX: Type.String({
    pattern: '^$|^[\\w-]+(\\.[\\w-]+)*\\.$',
    default: '',
    description:
      "Prefix of the NATS subjects the gateway uses (live.user.<id>, gdpr.export.<service>); must match the services' (tests isolate themselves with it).",
  }),
  GDPR_EXPORT_SERVICES: Type.String({
    pattern: '^[a-z][a-z0-9-]*(,[a-z][a-z0-9-]*)*$',
    default: 'auth,catalog,interaction,recommendation,notification,analytics',
    description:
      'Services asked over NATS gdpr.export.<service> for a user export; any that does not answer is named in `missing`.',
  }),
  GDPR_EXPORT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 5000,
    description: 'How long an export waits for each service.',
  }),
  OPENAPI_CACHE_MS: Type.Integer({
    minimum: 0,
    default: 30_000,
    description: "How long the aggregated /openapi.json is reused before the services' documents are fetched again.",
  }),
  ACTIVITY_QUEUE_MAX: Type.Integer({
    minimum: 1,
    default: 50_000,
    description:
      'Activity events held in memory while Kafka is slow or down (5 s at 10,000/s, ~30 MB); beyond that new ones are dropped (best effort).',
  }),
  ACTIVITY_FLUSH_MS: Type.Integer({
    minimum: 1,
    default: 200,
    description: 'Longest time an activity event waits in memory before a batch is sent to Kafka.',
  }),
  SESSION_COOKIE: Type.String({
    pattern: '^[A-Za-z0-9_-]{1,64}$',
    default: 'marquee_sid',
    description: 'Cookie that carries the anonymous session id when the client sends no x-session-id header.',
  }),
});

export type GatewayConfig = Static<typeof gatewayConfigSchema>;
