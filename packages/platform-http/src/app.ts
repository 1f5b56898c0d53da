import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Logger, withCorrelation } from '@marquee/platform-logging';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import { rejectControlCharacters } from './control-characters';
import { AppError, errorBody, type FieldProblem } from './errors';
import { rejectUnstorableValues } from './request-values';
import { type ReadinessCheck, registerHealthRoutes } from './health';
import { registerMetrics, routeOf } from './metrics';
import { BEARER_AUTH, documentedRouteSchema, OPENAPI_VERSION, withOperationIds } from './openapi';
import type { Registry } from '@marquee/platform-metrics';
import { recordServerError, registerServerSpans } from './tracing';

export type HttpApp = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  /** Dependencies /health/ready checks, by name. */
  readiness?: Record<string, ReadinessCheck>;
  openapi?: { title: string; version?: string; description?: string };
  bodyLimitBytes?: number;
  /**
   * Whose X-Forwarded-For to believe: addresses/CIDRs (comma-separated) or a function of the peer's address; nobody by
   * default. No hop count: it cannot tell a proxy from a client connecting directly (Fastify refuses one since 5.8).
   */
  trustProxy?: string | false | ((address: string, hop: number) => boolean);
  /** Serve this app's own document at /openapi.json (the gateway serves an aggregated one instead). */
  serveOpenapi?: boolean;
  /** The service's metrics registry (ServiceDeps.metrics), served at /metrics; a fresh one when absent. */
  metrics?: Registry;
  /** Tell callers the matched route template (ROUTE_TEMPLATE_HEADER) for a proxy's metrics; the public edge says no. */
  announceRouteTemplate?: boolean;
  /** The metrics route of a request its handler did not label (labelRoute); undefined keeps the matched route. */
  routeLabel?: (req: FastifyRequest) => string | undefined;
}

const ID_PATTERN = /^[\w.:-]{1,128}$/;

function pickId(header: string | string[] | undefined): string | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  return v && ID_PATTERN.test(v) ? v : undefined;
}

/** The field a validation error is about: the missing or unknown property itself, not its parent. */
function problemOf(where: string, v: { instancePath: string; params: unknown; message?: string }): FieldProblem {
  const params = v.params as { missingProperty?: string; additionalProperty?: string };
  const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const name = params.missingProperty ?? params.additionalProperty;
  const field = [path, name].filter(Boolean).join('.') || '(root)';
  const reason = params.additionalProperty ? 'is not an accepted property' : (v.message ?? 'is invalid');
  return { field: `${where}.${field}`, reason };
}

/** What an app's failures may be beside its own errors: a dependency that cannot serve now (answerUnavailableOn). */
const unavailableOn = new WeakMap<object, Array<{ dependency: string; test: (err: unknown) => boolean }>>();

/** Seconds a 503 for an unavailable dependency asks the caller to wait. */
const UNAVAILABLE_RETRY_AFTER_S = 2;

/**
 * Answers a request that failed on `test`'s failures (its `dependency` refused, lost, out of connections, or a
 * transaction that lost a race: it cannot serve now, and the same request may succeed later) with 503
 * SERVICE.UNAVAILABLE and Retry-After instead of 500 INTERNAL, which tells a caller nothing it can act on.
 * platform-service's startService sets it for the service's database.
 */
export function answerUnavailableOn(app: HttpApp, dependency: string, test: (err: unknown) => boolean): void {
  unavailableOn.set(app, [...(unavailableOn.get(app) ?? []), { dependency, test }]);
}

function unavailableDependency(app: HttpApp, err: unknown): string | undefined {
  return unavailableOn.get(app)?.find((d) => d.test(err))?.dependency;
}

/** The answer to a failed request; `dependency` when it failed on one that cannot serve now (answerUnavailableOn). */
function toErrorReply(
  app: HttpApp,
  err: FastifyError,
): { status: number; body: ReturnType<typeof errorBody>; dependency?: string } {
  if (err instanceof AppError) return { status: err.status, body: errorBody(err.code, err.message, err.details) };
  if (err.validation) {
    const where = err.validationContext ?? 'request';
    const details = err.validation.map((v) => problemOf(where, v));
    return {
      status: 400,
      body: errorBody('VALIDATION.FAILED', details.map((d) => `${d.field} ${d.reason}`).join('; '), details),
    };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: errorBody('REQUEST.TOO_LARGE', 'Request body is larger than allowed') };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: errorBody('REQUEST.MALFORMED_JSON', err.message) };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: errorBody('REQUEST.UNSUPPORTED_MEDIA_TYPE', err.message) };
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: err.statusCode, body: errorBody(`HTTP.${err.statusCode}`, err.message) };
  }
  // Only a failure nothing above recognised is tested: a refusal or a validation error never pays for it.
  const dependency = unavailableDependency(app, err);
  if (dependency)
    return {
      status: 503,
      body: errorBody(
        'SERVICE.UNAVAILABLE',
        `The service's ${dependency} cannot serve this request right now; retry in ${UNAVAILABLE_RETRY_AFTER_S} s`,
        { dependency, retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_S },
      ),
      dependency,
    };
  return { status: 500, body: errorBody('INTERNAL', 'Internal server error') };
}

interface DriverError {
  code: string;
  severity?: string;
  table?: string;
  constraint?: string;
  routine?: string;
}

function driverErrorOf(err: unknown): DriverError | undefined {
  for (let e = err as { cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const c = e as Partial<DriverError>;
    if (typeof c.code === 'string' && typeof c.severity === 'string') return c as DriverError;
  }
  return undefined;
}

/**
 * A failure as it may be logged: a database error by its driver code and where, nothing else — its
 * message, stack and the query's parameters can carry personal data or password hashes.
 */
export function loggableError(err: unknown): unknown {
  const driver = driverErrorOf(err);
  if (!driver && !(err && typeof err === 'object' && 'params' in err)) return err;
  return {
    type: 'DatabaseError',
    code: driver?.code,
    table: driver?.table,
    constraint: driver?.constraint,
    routine: driver?.routine,
  };
}

/** Builds a Fastify app with Marquee's request ids, error shape, health, metrics and OpenAPI. */
export async function createHttpApp(opts: HttpAppOptions): Promise<HttpApp> {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024,
    trustProxy: opts.trustProxy || false,
    genReqId: (req) => pickId(req.headers['x-request-id']) ?? randomUUID(),
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false, strictNumbers: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // First, so the span covers every other hook (and no span at all unless the process runs with tracing).
  registerServerSpans(app, (req) => routeOf(req, opts.routeLabel));
  app.addHook('onRequest', (req, reply, done) => {
    const correlationId = pickId(req.headers['x-correlation-id']) ?? req.id;
    reply.header('x-request-id', req.id);
    reply.header('x-correlation-id', correlationId);
    withCorrelation({ correlationId, requestId: req.id }, done);
  });

  app.addHook('preValidation', rejectControlCharacters);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { status, body, dependency } = toErrorReply(app, err);
    if (status >= 500) {
      const loggable = loggableError(err);
      if (dependency) {
        reply.header('retry-after', UNAVAILABLE_RETRY_AFTER_S);
        req.log.error({ err: loggable, dependency }, `request failed: ${dependency} unavailable`);
      } else req.log.error({ err: loggable }, 'request failed');
      // A span leaves the process: a database error goes there by its code only, as in the logs.
      recordServerError(
        req,
        loggable === err ? err : new Error(`DatabaseError ${(loggable as { code?: string }).code}`),
      );
    } else req.log.info({ code: body.error.code, status }, 'request rejected');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody('ROUTE.NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`)),
  );

  await app.register(swagger, {
    openapi: {
      openapi: OPENAPI_VERSION,
      info: {
        title: opts.openapi?.title ?? `Marquee ${opts.service}`,
        version: opts.openapi?.version ?? '1.0.0',
        description: opts.openapi?.description ?? '',
      },
      components: { securitySchemes: { bearerAuth: BEARER_AUTH } },
    },
    transform: ({ schema, url, route }) => ({
      schema: documentedRouteSchema(schema, route, { unavailable: unavailableOn.has(app) }),
      url,
    }),
    transformObject: (doc) => ('openapiObject' in doc ? withOperationIds(doc.openapiObject) : doc.swaggerObject),
  });
  if (opts.serveOpenapi ?? true) {
    app.get('/openapi.json', { schema: { hide: true }, logLevel: 'warn' }, async () => app.swagger());
  }

  rejectUnstorableValues(app);
  registerHealthRoutes(app, opts.readiness ?? {});
  registerMetrics(app, opts.service, {
    registry: opts.metrics,
    announce: opts.announceRouteTemplate ?? true,
    routeLabel: opts.routeLabel,
  });
  return app;
}
