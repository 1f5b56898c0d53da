// CLIENT spans for undici and fetch calls, from the channels undici publishes on (diagnostics_channel),
// in place of @opentelemetry/instrumentation-undici: that one parses the URL and the request's headers
// and builds every attribute for each request before it looks at the parent, so a request the sampler
// dropped paid for a span nobody records. Here a call inside a sampled request gets a span (method,
// server, path: never the query, which the gateway forwards from its callers); a call inside a dropped
// request gets only the `traceparent` that tells the next service it was dropped; any other call, nothing.
import diagnostics_channel from 'node:diagnostics_channel';
import { context, createContextKey, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * The span context of a request the sampler dropped (platform-tracing's startServerSpan): kept beside the
 * context rather than as its active span, so the pg, ioredis and pino instrumentations see no span and skip
 * the request, while calls onward still pass the decision on. createContextKey is Symbol.for(description).
 */
export const DROPPED = createContextKey('marquee.tracing.dropped');

const tracer = trace.getTracer('@marquee/platform-tracing/undici');
const spans = new WeakMap();

function addHeaders(request, ctx) {
  const carrier = {};
  propagation.inject(ctx, carrier);
  for (const name in carrier) request.addHeader(name, carrier[name]);
}

function onCreate({ request }) {
  if (request.method === 'CONNECT') return;
  const ctx = context.active();
  const parent = trace.getSpan(ctx);
  if (parent === undefined) {
    const dropped = ctx.getValue(DROPPED);
    if (dropped) request.addHeader('traceparent', `00-${dropped.traceId}-${dropped.spanId}-00`);
    return;
  }
  if (!parent.isRecording()) {
    if (trace.isSpanContextValid(parent.spanContext())) addHeaders(request, ctx);
    return;
  }
  const origin = String(request.origin);
  const path = request.path.split('?', 1)[0];
  const span = tracer.startSpan(
    request.method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': request.method,
        'url.full': `${origin}${path}`,
        'url.path': path,
        'server.address': origin.replace(/^\w+:\/\//, '').replace(/:\d+$/, ''),
      },
    },
    ctx,
  );
  spans.set(request, span);
  addHeaders(request, trace.setSpan(ctx, span));
}

function onHeaders({ request, response }) {
  const span = spans.get(request);
  if (!span) return;
  span.setAttribute('http.response.status_code', response.statusCode);
  if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
}

function onEnd({ request }) {
  const span = spans.get(request);
  if (!span) return;
  spans.delete(request);
  span.end();
}

function onError({ request, error }) {
  const span = spans.get(request);
  if (!span) return;
  spans.delete(request);
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message });
  span.end();
}

/** Subscribes to undici's request channels (the undici package's and fetch's alike: the names are global). */
export function traceUndici() {
  diagnostics_channel.subscribe('undici:request:create', onCreate);
  diagnostics_channel.subscribe('undici:request:headers', onHeaders);
  diagnostics_channel.subscribe('undici:request:trailers', onEnd);
  diagnostics_channel.subscribe('undici:request:error', onError);
}
