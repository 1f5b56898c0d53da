import { createMetricsRegistry, histogramOn, type Registry } from '@marquee/platform-metrics';
import type { FastifyRequest } from 'fastify';
import type { HttpApp } from './app';

declare module 'fastify' {
  interface FastifyInstance {
    /** The registry /metrics serves: the service's own (ServiceDeps.metrics) when it passed one. */
    metricsRegistry: Registry;
  }
}

/**
 * The route template of the matched route, sent to the caller in this header so a proxy in front (the
 * gateway) can label its own request metrics with the upstream's template instead of its wildcard.
 */
export const ROUTE_TEMPLATE_HEADER = 'x-marquee-route';

// A property of the request, not a WeakMap entry: a WeakMap set per request cost the gateway about 1 % of its
// CPU per proxied request (an ephemeron entry the GC has to trace), for a value that lives exactly as long as the request.
const ROUTE_LABEL = Symbol('marquee.routeLabel');
type Labelled = FastifyRequest & { [ROUTE_LABEL]?: string };

/** Labels this request's metrics with `template` instead of the Fastify route that matched it (a proxy's wildcard). */
export function labelRoute(req: FastifyRequest, template: string): void {
  (req as Labelled)[ROUTE_LABEL] = template;
}

/** The route a request's metrics (and its trace span) are labelled with. */
export function routeOf(
  req: FastifyRequest,
  routeLabel?: (req: FastifyRequest) => string | undefined,
): string | undefined {
  return (req as Labelled)[ROUTE_LABEL] ?? routeLabel?.(req) ?? req.routeOptions.url;
}

const unmeasured = (route: string) => route.startsWith('/health') || route === '/metrics';

export function registerMetrics(
  app: HttpApp,
  service: string,
  opts: { registry?: Registry; announce: boolean; routeLabel?: (req: FastifyRequest) => string | undefined },
): Registry {
  const metrics = opts.registry ?? createMetricsRegistry(service);
  app.decorate('metricsRegistry', metrics);
  const duration = histogramOn(metrics, {
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  // Callback style: these run on every request, and an async hook costs a promise and a tick each time.
  if (opts.announce) {
    app.addHook('onRequest', (req, reply, done) => {
      const route = req.routeOptions.url;
      if (route && !unmeasured(route)) reply.header(ROUTE_TEMPLATE_HEADER, route);
      done();
    });
  }
  app.addHook('onResponse', (req, reply, done) => {
    const route = routeOf(req, opts.routeLabel) ?? 'unmatched';
    if (!unmeasured(route)) {
      duration.observe({ method: req.method, route, status: reply.statusCode }, reply.elapsedTime / 1000);
    }
    done();
  });
  app.get('/metrics', { schema: { hide: true }, logLevel: 'warn' }, async (_req, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });
  return metrics;
}
