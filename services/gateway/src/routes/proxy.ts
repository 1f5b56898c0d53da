import { currentCorrelation } from '@marquee/platform-logging';
import { AppError, type HttpApp, labelRoute, notFound, ROUTE_TEMPLATE_HEADER } from '@marquee/platform-http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { publicRouteOf, serviceForPath, upstreamPath } from '../domain/route-table';
import type { ActivityPublisher } from '../events/activity-publisher';
import { logPageActivity } from '../events/log-page-activity';
import { forward, type UpstreamAnswer } from '../upstreams/forward';
import type { UpstreamPools } from '../upstreams/upstream-pools';

export interface ProxyOptions {
  pools: UpstreamPools;
  activity: ActivityPublisher;
  sessionCookie: string;
}

/** Request headers a service may need; everything else (hop-by-hop, proxy, host) stays at the gateway. */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'accept-language',
  'authorization',
  'content-type',
  'cookie',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'user-agent',
  'x-session-id',
  'x-client-source',
] as const;

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'x-request-id',
  'x-correlation-id',
  // The upstream's route template labels the gateway's metrics; callers do not need it.
  ROUTE_TEMPLATE_HEADER,
]);

/** The proxy's one route: its metrics are labelled per upstream route instead. */
export const PROXIED = '/api/v1/*';

const BUFFER_LIMIT_BYTES = 64 * 1024;
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;
const DOT_SEGMENT = /(^|\/)\.{1,2}(\/|$)/;

function forwardHeaders(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const h: IncomingHttpHeaders = req.headers;
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const v = h[name];
    if (typeof v === 'string') out[name] = v;
  }
  out['x-request-id'] = req.id;
  out['x-correlation-id'] = currentCorrelation()?.correlationId ?? req.id;
  out['x-forwarded-for'] = req.ip;
  out['x-forwarded-proto'] = req.protocol;
  if (h.host) out['x-forwarded-host'] = h.host;
  return out;
}

function upstreamFailure(service: string, err: unknown): AppError {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new AppError(504, 'GATEWAY.UPSTREAM_TIMEOUT', `The ${service} service did not answer in time`, { service });
  }
  return new AppError(502, 'GATEWAY.UPSTREAM_UNREACHABLE', `The ${service} service cannot be reached`, {
    service,
    reason: code || (err as Error).message,
  });
}

/**
 * Forwards /api/v1/* to the owning service's /v1/* with the caller's method, query, body, token and
 * ids, and streams the answer back. Bodies are kept as bytes (no re-serialisation); JSON is only
 * checked for well-formedness so a malformed body is a 400 here, not at the service.
 */
export async function proxyRoutes(app: HttpApp, opts: ProxyOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser(JSON_TYPE, { parseAs: 'buffer' }, (_req, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length > 0) {
      try {
        JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        done(
          new AppError(400, 'REQUEST.MALFORMED_JSON', `Body is not valid JSON: ${(err as Error).message}`),
          undefined,
        );
        return;
      }
    }
    done(null, bytes);
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const [publicPath = ''] = req.url.split('?', 1);
    const below = publicPath.slice('/api/v1'.length);
    if (DOT_SEGMENT.test(below) || below.includes('//')) {
      throw new AppError(400, 'GATEWAY.BAD_PATH', 'Path must not contain empty, "." or ".." segments');
    }
    const service = serviceForPath(below);
    if (!service) throw notFound('ROUTE.NOT_FOUND', `No route ${req.method} ${publicPath}`);
    const upstream = opts.pools.get(service);
    if (!upstream) {
      throw new AppError(503, 'GATEWAY.UPSTREAM_UNAVAILABLE', `The ${service} service is not available`, { service });
    }
    let res: UpstreamAnswer;
    try {
      res = await forward(
        upstream.pool,
        {
          path: upstreamPath(req.url),
          method: req.method as Dispatcher.HttpMethod,
          headers: forwardHeaders(req),
          body: Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : null,
        },
        BUFFER_LIMIT_BYTES,
      );
    } catch (err) {
      // Logged once, by the error handler, with the upstream's error code in details.reason.
      throw upstreamFailure(service, err);
    }
    reply.code(res.status);
    const headers = res.headers;
    const template = headers[ROUTE_TEMPLATE_HEADER];
    const route = typeof template === 'string' ? publicRouteOf(template) : undefined;
    if (route) labelRoute(req, route);
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined && !HOP_BY_HOP.has(name)) reply.header(name, value);
    }
    logPageActivity(req, reply, res.status, opts.activity, opts.sessionCookie);
    // Small answers arrive whole and are written with their headers in one go; large or unsized ones stream.
    return reply.send(res.body);
  };

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: PROXIED,
    schema: { hide: true },
    exposeHeadRoute: false,
    handler,
  });
}
