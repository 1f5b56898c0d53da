import { BEARER_AUTH, ErrorResponse, OPENAPI_VERSION, withOperationIds } from '@marquee/platform-http';
import { publicPathOf, type UpstreamService } from './route-table';

type Json = Record<string, unknown>;

export interface OpenApiDoc {
  openapi?: string;
  info?: Json;
  servers?: { url: string; description?: string }[];
  tags?: { name: string; description?: string }[];
  paths?: Record<string, Json>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> } & Json;
}

export interface ServiceDoc {
  service: UpstreamService;
  doc: OpenApiDoc;
}

export const DATA_NOTICES = [
  'Movie data: MovieLens ml-latest-small by GroupLens Research (https://grouplens.org/datasets/movielens/), ' +
    "used for non-commercial purposes under GroupLens' terms: F. Maxwell Harper and Joseph A. Konstan. 2015. " +
    'The MovieLens Datasets: History and Context. ACM TiiS 5, 4, Article 19.',
  'Movie metadata and images: TMDB (https://www.themoviedb.org). ' +
    'This product uses the TMDB API but is not endorsed or certified by TMDB.',
];

/** The licence the API document states: the code's (LICENSE at the root); the data's own terms are in DATA_NOTICES. */
export const API_LICENSE = { name: 'MIT', identifier: 'MIT' };

const TOO_MANY_REQUESTS = {
  description: 'Over the rate limit of this user or address (RATE_LIMIT.EXCEEDED); Retry-After says when to retry',
  headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer', minimum: 1 } } },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Every operation behind the gateway's rate limit can answer 429: said once here rather than by each service. */
function withRateLimitResponse(item: Json): Json {
  return Object.fromEntries(
    Object.entries(item).map(([method, op]) => {
      if (!METHODS.has(method)) return [method, op];
      const responses = ((op as Json).responses ?? {}) as Json;
      return [method, { ...(op as Json), responses: { ...responses, 429: responses['429'] ?? TOO_MANY_REQUESTS } }];
    }),
  );
}

function rewriteRefs(value: unknown, prefix: string): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, prefix));
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value as Json)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')
        ? `#/components/schemas/${prefix}${v.slice('#/components/schemas/'.length)}`
        : rewriteRefs(v, prefix);
  }
  return out;
}

/**
 * One OpenAPI document for the public API: the gateway's own routes plus each service's routes
 * that the gateway exposes, with /v1/... rewritten to /api/v1/... and component schemas prefixed
 * by service so two services' `def-0` never collide. Services whose document could not be fetched
 * are named in the description.
 */
export function mergeOpenApi(own: OpenApiDoc, services: ServiceDoc[], unavailable: string[]): OpenApiDoc {
  const paths: Record<string, Json> = { ...(own.paths ?? {}) };
  const schemas: Record<string, unknown> = { ...(own.components?.schemas ?? {}) };
  const tags = new Map<string, { name: string; description?: string }>();
  for (const t of own.tags ?? []) tags.set(t.name, t);

  for (const { service, doc } of services) {
    const prefix = `${service}_`;
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      const publicPath = publicPathOf(service, path);
      if (!publicPath || paths[publicPath]) continue;
      paths[publicPath] = rewriteRefs(item, prefix) as Json;
    }
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
      schemas[`${prefix}${name}`] = rewriteRefs(schema, prefix);
    }
    for (const t of doc.tags ?? []) if (!tags.has(t.name)) tags.set(t.name, t);
  }

  const description = [
    'The public Marquee API. Every route below is served by the gateway under /api/v1; ' +
      'send `Authorization: Bearer <access token>` from POST /api/v1/auth/login where a route needs it.',
    ...(unavailable.length > 0
      ? [`**Not included right now** (document unavailable): ${unavailable.join(', ')}.`]
      : []),
    '### Data notices',
    ...DATA_NOTICES.map((n) => `- ${n}`),
  ].join('\n\n');

  return withOperationIds({
    openapi: own.openapi ?? OPENAPI_VERSION,
    info: {
      title: 'Marquee API',
      version: String(own.info?.version ?? '1.0.0'),
      description,
      license: API_LICENSE,
    },
    // Relative to where this document is served: the gateway itself, whatever name clients reach it by.
    servers: [{ url: '/', description: 'The gateway serving this document' }],
    tags: [...tags.values()],
    paths: Object.fromEntries(
      Object.entries(paths)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([path, item]) => [path, withRateLimitResponse(item)]),
    ),
    components: {
      ...(own.components ?? {}),
      schemas: { ...schemas, Error: ErrorResponse },
      securitySchemes: { bearerAuth: BEARER_AUTH, ...(own.components?.securitySchemes ?? {}) },
    },
  });
}
