import { type ServerSpan, startServerSpan, tracingOn } from '@marquee/platform-tracing';
import type { FastifyRequest } from 'fastify';
import type { HttpApp } from './app';

/** Probes and scrapes would each be a trace of their own. */
const untraced = (url: string) => url.startsWith('/health/') || url === '/metrics' || url.startsWith('/metrics?');

const spans = new WeakMap<FastifyRequest, ServerSpan>();

/**
 * One SERVER span per request from Fastify's own hooks, when the process runs with tracing
 * (platform-tracing's preload started the SDK); nothing at all otherwise. It stands in for the http
 * instrumentation's server spans and @fastify/otel's span per hook, which did their work for every
 * request, even those the sampler dropped (bench/results/gateway-tracing-breakdown-*).
 */
export function registerServerSpans(app: HttpApp, routeOf: (req: FastifyRequest) => string | undefined): void {
  if (!tracingOn('server')) return;
  // Callback style: these run on every request.
  app.addHook('onRequest', (req, _reply, done) => {
    if (untraced(req.url)) return done();
    const span = startServerSpan(req.method, req.url.split('?', 1)[0] as string, req.routeOptions.url, req.headers);
    spans.set(req, span);
    span.run(done);
  });
  // The body is read in the socket's callbacks, outside the request's context: the handler gets it back.
  app.addHook('preValidation', (req, _reply, done) => {
    const span = spans.get(req);
    if (span) span.run(done);
    else done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const span = spans.get(req);
    if (span) {
      spans.delete(req);
      span.end(reply.statusCode, routeOf(req));
    }
    done();
  });
  app.addHook('onRequestAbort', (req, done) => {
    const span = spans.get(req);
    if (span) {
      spans.delete(req);
      span.fail(new Error('request aborted by the client'));
      span.end(499, routeOf(req));
    }
    done();
  });
}

/** The error a request failed with (a 5xx), on its server span. */
export function recordServerError(req: FastifyRequest, err: unknown): void {
  spans.get(req)?.fail(err);
}
