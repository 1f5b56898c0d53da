import {
  context,
  createContextKey,
  type Context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';

export { tracePgQueries } from './pg';

/**
 * Trace context across the outbox and Kafka. Everything here goes through @opentelemetry/api, which does
 * nothing when no SDK is registered: a process started without OTEL_TRACES_EXPORTER (register.mjs) pays a
 * function call and gets undefined back.
 */

// Looked up once: a tracer got before the SDK registered (a ProxyTracer) finds the SDK's on first use.
const tracer = trace.getTracer('@marquee/platform-events');
/**
 * Where a request the sampler dropped keeps its span context instead of an active span (see
 * startServerSpan); the same key as client-spans.mjs's DROPPED (createContextKey is Symbol.for(description)).
 */
const DROPPED = createContextKey('marquee.tracing.dropped');
const SDK = Symbol.for('marquee.tracing.sdk');

/** True when this process started the OpenTelemetry SDK (register.mjs with OTEL_TRACES_EXPORTER set). */
export function tracingStarted(): boolean {
  return (globalThis as Record<symbol, unknown>)[SDK] !== undefined;
}

/** True when tracing runs and MARQUEE_TRACING_OFF does not name `name` (one instrumentation left out, to measure it). */
export function tracingOn(name: string): boolean {
  if (!tracingStarted()) return false;
  return !(process.env.MARQUEE_TRACING_OFF ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes(name);
}

// The outbox column and the Kafka header hold a W3C traceparent whatever OTEL_PROPAGATORS says for HTTP,
// so they are written and read here directly: per event, the global propagator's inject and extract
// (a carrier object, every configured propagator, tracestate and baggage lookups) were work for nothing.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function formatTraceparent(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags & TraceFlags.SAMPLED ? '01' : '00'}`;
}

/** The W3C traceparent of the active span, to store beside work done later (an outbox row); else undefined. */
export function currentTraceparent(): string | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && trace.isSpanContextValid(sc) ? formatTraceparent(sc) : undefined;
}

/** The context a stored or received traceparent names, with no ambient context mixed in. */
function remoteContext(traceparent: string): Context {
  const m = TRACEPARENT.exec(traceparent);
  if (!m) return ROOT_CONTEXT;
  const sc: SpanContext = {
    traceId: m[1] as string,
    spanId: m[2] as string,
    traceFlags: Number.parseInt(m[3] as string, 16),
    isRemote: true,
  };
  return trace.isSpanContextValid(sc) ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

export interface PublishSpan {
  /** The traceparent to send with the message: this span's, so the consumer's span is its child. */
  readonly traceparent: string | undefined;
  end(err?: unknown): void;
}

/**
 * A producer span for one message whose trace context was stored with it (an outbox row), a child of that
 * context and never of the caller's (the relay's poll loop has none and starts none).
 */
export function startPublishSpan(traceparent: string, topic: string, attributes: Record<string, string>): PublishSpan {
  const parent = remoteContext(traceparent);
  // A row written in a trace the sampler dropped: no span, and the message says "dropped" onward as it is.
  if (!sampled(parent)) return { traceparent, end() {} };
  const span = tracer.startSpan(
    `publish ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': topic, ...attributes },
    },
    parent,
  );
  const sc = span.spanContext();
  return {
    // Without an SDK the span is a no-op one; keep the stored context going rather than dropping it.
    traceparent: trace.isSpanContextValid(sc) ? formatTraceparent(sc) : traceparent,
    end(err?: unknown) {
      if (err !== undefined) failed(span, err);
      span.end();
    },
  };
}

/** True when the context names a valid trace that the sampler kept. */
function sampled(ctx: Context): boolean {
  const sc = trace.getSpanContext(ctx);
  return sc !== undefined && trace.isSpanContextValid(sc) && (sc.traceFlags & TraceFlags.SAMPLED) !== 0;
}

/** Runs fn (already in the span's context), records its failure on the span, and ends the span either way. */
async function runInSpan<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    failed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

function failed(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/**
 * Runs a consumer's handler for one event in a consumer span, a child of the traceparent the message
 * carried, so the handler's queries and the events it records join the producer's trace. A message
 * without one runs as it is: background traffic does not open a trace per event.
 */
export async function withConsumerSpan<T>(
  traceparent: string | undefined,
  name: string,
  attributes: Record<string, string>,
  fn: () => Promise<T>,
): Promise<T> {
  if (!traceparent) return fn();
  const parent = remoteContext(traceparent);
  // Nor for a trace the sampler dropped: the handler's queries then cost no span either.
  if (!sampled(parent)) return fn();
  const span = tracer.startSpan(
    name,
    { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'kafka', ...attributes } },
    parent,
  );
  // Arguments passed through context.with rather than a closure: this runs once per consumed event.
  return context.with(trace.setSpan(parent, span), runInSpan<T>, undefined, span, fn);
}

/**
 * How many ended spans the batch processor has dropped so far because its queue was full (the exporter
 * fell behind); undefined when tracing is off. A drop is counted once a later span gets into the queue.
 */
export function droppedSpans(): number | undefined {
  return (globalThis as Record<symbol, (() => number) | undefined>)[Symbol.for('marquee.tracing.dropped')]?.();
}

/** Exports the spans the batch processor still holds, and waits until they are sent; a no-op when tracing is off. */
export async function flushTracing(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
  await provider.getDelegate?.().forceFlush?.();
}

/** Exports the spans still buffered and stops the SDK; a no-op when tracing is off. Call last at shutdown. */
export async function shutdownTracing(): Promise<void> {
  const sdk = (globalThis as Record<symbol, { shutdown(): Promise<void> } | undefined>)[SDK];
  if (!sdk) return;
  (globalThis as Record<symbol, unknown>)[SDK] = undefined;
  await sdk.shutdown();
}

/**
 * Runs fn inside a new active span (a root, or a child of the active one): for work that stands for a
 * request. When the sampler drops it, fn runs with no active span, as a dropped HTTP request does.
 */
export function withSpan<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name);
  if (!span.isRecording()) {
    const ctx = context.active();
    return context.with(trace.deleteSpan(ctx).setValue(DROPPED, span.spanContext()), fn);
  }
  return context.with(trace.setSpan(context.active(), span), () => runInSpan(span, fn));
}

const serverTracer = trace.getTracer('@marquee/platform-http');

export interface ServerSpan {
  /** Runs fn (the rest of the request's hooks and its handler) with this span as the active one. */
  run(fn: () => void): void;
  /** Ends the span with the response's status; `route` (the template) names it when known only now. */
  end(status: number, route?: string): void;
  /** Records a failure the request ended in (a 5xx). */
  fail(err: unknown): void;
}

/**
 * The SERVER span of one HTTP request, a child of the caller's `traceparent` (else a root the sampler
 * decides on). What it records is set only when the sampler kept it. A request the sampler dropped runs
 * with no active span at all, only its span context under DROPPED: the pg, ioredis and pino
 * instrumentations then skip its queries and log lines (they only trace inside a span), its outbox rows
 * carry no traceparent (their consumers open no span), and client-spans.mjs still sends the dropped
 * decision on to the services it calls, so they drop it too.
 */
export function startServerSpan(
  method: string,
  path: string,
  route: string | undefined,
  headers: Record<string, string | string[] | undefined>,
): ServerSpan {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = serverTracer.startSpan(route ? `${method} ${route}` : method, { kind: SpanKind.SERVER }, parent);
  return new RequestSpan(span, parent, method, route, path);
}

/** A ServerSpan as a class: its methods are not closures made again for every request. */
class RequestSpan implements ServerSpan {
  private readonly recording: boolean;
  private readonly active: Context;
  private readonly span: Span;
  private readonly method: string;
  private readonly route: string | undefined;

  constructor(span: Span, parent: Context, method: string, route: string | undefined, path: string) {
    this.span = span;
    this.method = method;
    this.route = route;
    this.recording = span.isRecording();
    this.active = this.recording
      ? trace.setSpan(parent, span)
      : trace.deleteSpan(parent).setValue(DROPPED, span.spanContext());
    if (this.recording) {
      span.setAttribute('http.request.method', method);
      span.setAttribute('url.path', path);
      if (route) span.setAttribute('http.route', route);
    }
  }

  run(fn: () => void): void {
    context.with(this.active, fn);
  }

  end(status: number, lateRoute?: string): void {
    const span = this.span;
    if (this.recording) {
      span.setAttribute('http.response.status_code', status);
      if (lateRoute && lateRoute !== this.route) {
        span.setAttribute('http.route', lateRoute);
        span.updateName(`${this.method} ${lateRoute}`);
      }
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }

  fail(err: unknown): void {
    if (this.recording) failed(this.span, err);
  }
}
