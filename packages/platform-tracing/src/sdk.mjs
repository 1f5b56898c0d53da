// The OpenTelemetry Node SDK and its instrumentations, started only when register.mjs found
// OTEL_TRACES_EXPORTER set. The SDK reads the standard OTEL_* variables itself (exporter, endpoints,
// sampler); this file picks the instrumentations and keeps background work out of the traces.
import { register } from 'node:module';
import path from 'node:path';
import { createAddHookMessageChannel } from 'import-in-the-middle';

// ESM imports of CommonJS packages (ioredis, pino from our TypeScript modules) are only seen through
// import-in-the-middle's loader hook; it hooks only the modules the instrumentations ask for.
const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

const { diag, DiagConsoleLogger, DiagLogLevel } = await import('@opentelemetry/api');
const { NodeSDK } = await import('@opentelemetry/sdk-node');
const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
const { traceUndici } = await import('./client-spans.mjs');
const { IORedisInstrumentation } = await import('@opentelemetry/instrumentation-ioredis');
const { PinoInstrumentation } = await import('@opentelemetry/instrumentation-pino');
const { ZipkinProtoExporter } = await import('./zipkin-proto.mjs');

// Spans leave the process (Zipkin, a collector): query parameters that carry a credential are replaced by
// REDACTED (notification's signed links use `t`), Redis commands are recorded without their keys and
// arguments (rate-limit keys hold client addresses), and SQL is recorded as text without its values.
const SECRET_QUERY_PARAMS = [
  't',
  'token',
  'access_token',
  'refresh_token',
  'code',
  'key',
  'sig',
  'signature',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
];

/** The service's name: OTEL_SERVICE_NAME, else MARQUEE_SERVICE (images), else services/<name>/src/main.ts. */
function serviceName() {
  if (process.env.OTEL_SERVICE_NAME) return process.env.OTEL_SERVICE_NAME;
  if (process.env.MARQUEE_SERVICE) return process.env.MARQUEE_SERVICE;
  const main = process.argv[1] ?? '';
  const m = /services[\\/]([^\\/]+)[\\/]/.exec(main);
  return m?.[1] ?? path.basename(main, path.extname(main));
}

/** MARQUEE_TRACING_OFF=pg,ioredis,…: instrumentations left out (to measure what each costs, or to shed one). */
const OFF = new Set(
  (process.env.MARQUEE_TRACING_OFF ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

// An instrumentation patches its module when it is constructed, so one left out is never constructed.
const INSTRUMENTATIONS = {
  // Outgoing node:http requests only (notification's JSON client). Server spans come from platform-http's
  // Fastify hooks (src/index.ts startServerSpan): this instrumentation's server side and @fastify/otel
  // (a span per hook) did their work for every request, sampled or not (bench/results/gateway-tracing-breakdown-*).
  http: () =>
    new HttpInstrumentation({
      disableIncomingRequestInstrumentation: true,
      requireParentforOutgoingSpans: true,
      redactedQueryParams: SECRET_QUERY_PARAMS,
    }),
  // pg: platform-db patches pg's Client with platform-tracing's pg.ts (a span per query inside a recording
  // span; the outbox relay's polls and pool housekeeping have none and are not traced).
  ioredis: () => new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
  // trace_id and span_id on every log line written inside a span; logs stay on stdout only.
  pino: () => new PinoInstrumentation({ disableLogSending: true }),
  // kafkajs is traced by platform-events itself: the instrumentation's producer span would replace
  // the traceparent the relay carries from the outbox row, and its batch consumer starts a root
  // trace per poll with the events only linked.
};
// `server`: platform-http's server spans (its registerServerSpans reads the same variable); `undici`: ours;
// `pg`: platform-db's query spans (it reads the same variable).
const KNOWN = [...Object.keys(INSTRUMENTATIONS), 'server', 'undici', 'pg'];
for (const name of OFF) {
  if (!KNOWN.includes(name)) throw new Error(`MARQUEE_TRACING_OFF names ${name}; known: ${KNOWN.join(', ')}`);
}

// Zipkin's span format has no resource: its exporter copies every resource attribute onto every span as a
// tag. The SDK's default detectors (process, host, os, service instance) give about twenty, the process's
// whole command line among them, which made each exported span several times the size of its own data,
// paid for in JSON here and in parsing and storage by the Zipkin server. To Zipkin a process is its
// service name (localEndpoint), so with that exporter only OTEL_RESOURCE_ATTRIBUTES is read unless
// OTEL_NODE_RESOURCE_DETECTORS asks for more. OTLP sends the resource once per batch and keeps them all.
if (
  process.env.OTEL_NODE_RESOURCE_DETECTORS === undefined &&
  (process.env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes('zipkin')
) {
  process.env.OTEL_NODE_RESOURCE_DETECTORS = 'env';
}

// The batch span processor keeps at most OTEL_BSP_MAX_QUEUE_SIZE ended spans (default 2048) and sends
// OTEL_BSP_MAX_EXPORT_BATCH_SIZE (512) per request, one request at a time: a span that ends while the
// queue is full is dropped, silently. With every span sampled the events bench ends some 10,000 spans a
// second; with those defaults a short run (2 × 10,000 traced events, then 4,000 at a paced rate) had
// 73,621 spans dropped, most of what it made, so its traced figures measured spans that never left.
// Unless set, the queue holds 16,384 and a request carries up to 2,048 spans (about 1 MB of Zipkin
// JSON); a backend that still falls behind loses spans, which are now counted and said on stderr (below).
process.env.OTEL_BSP_MAX_QUEUE_SIZE ??= '16384';
process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ??= '2048';
// An ended span waits in that queue until a batch is full or the schedule delay (default 5 s) is up. At a
// few hundred spans a second that was seconds: long enough for V8 to move every span from the young
// generation to the old one, whose collections then cost the gateway's traced process more than the spans
// themselves (its GC time per request went up 43 µs, against about 30 for the spans' own code). A batch at
// least every second still lets most spans die young. 200 ms was tried first: at 10 % sampling its many small
// posts cost the Zipkin server 23 µs per gateway request against 9 at 1 s, and full sampling gained nothing
// from it (81.8 % vs 81.7 % of untraced throughput, bench/results/gateway-tracing-2026-12-01.md).
process.env.OTEL_BSP_SCHEDULE_DELAY ??= '1000';

// Unless OTEL_TRACES_SAMPLER says otherwise, a tenth of the traces are kept: those that start here by their trace id,
// and every other by its caller's decision (parent-based), so a trace kept at the gateway is kept whole through every
// service, outbox row and consumer. The SDK's own default keeps every trace: measured on two shared cores that cost
// 11–28 % of throughput (gateway and events benches, tracing on beside off) against a budget of 10 %, and a tenth
// 0–10 % (bench/results/gateway-tracing-*, events-tracing-*). `./marquee up --with-tracing` keeps every trace, for a
// developer following single requests.
if (process.env.OTEL_TRACES_SAMPLER === undefined) {
  process.env.OTEL_TRACES_SAMPLER = 'parentbased_traceidratio';
  process.env.OTEL_TRACES_SAMPLER_ARG ??= '0.1';
}

// OTEL_TRACES_EXPORTER=zipkin sends proto3 through zipkin-proto.mjs rather than the SDK's JSON exporter:
// it costs this process and the Zipkin server less per span. Any other value is the SDK's to build.
const zipkinOnly = (process.env.OTEL_TRACES_EXPORTER ?? '').trim() === 'zipkin';

const sdk = new NodeSDK({
  serviceName: serviceName(),
  ...(zipkinOnly ? { traceExporter: new ZipkinProtoExporter() } : {}),
  // Unset, OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER mean "otlp" to the SDK: a meter provider every
  // instrumentation then records into on every request and query, sampled or not (pool counters on each
  // checkout, http's durations), exported each minute to a collector nobody runs. Metrics are the services'
  // Prometheus registries (docs/metrics.md) and logs go to stdout, so neither is set up unless asked for.
  ...(process.env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
  ...(process.env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
  instrumentations: Object.entries(INSTRUMENTATIONS)
    .filter(([name]) => !OFF.has(name))
    .map(([, make]) => make()),
});
sdk.start();

// Spans the batch processor drops (its queue is full: the backend takes them in slower than they come)
// and failed exports are only diag messages, and with no diag logger the SDK says nothing at all. This
// one writes warnings and errors to stderr (or what OTEL_LOG_LEVEL names; set after the SDK, which would
// set its own for that variable), and counts the dropped spans for platform-tracing's droppedSpans().
const LEVELS = {
  NONE: DiagLogLevel.NONE,
  ERROR: DiagLogLevel.ERROR,
  WARN: DiagLogLevel.WARN,
  INFO: DiagLogLevel.INFO,
  DEBUG: DiagLogLevel.DEBUG,
  VERBOSE: DiagLogLevel.VERBOSE,
  ALL: DiagLogLevel.ALL,
};
const level = LEVELS[(process.env.OTEL_LOG_LEVEL ?? 'WARN').trim().toUpperCase()] ?? DiagLogLevel.WARN;
const stderr = new DiagConsoleLogger();
let dropped = 0;
diag.setLogger(
  {
    error: (...args) => level >= DiagLogLevel.ERROR && stderr.error(...args),
    warn: (message, ...args) => {
      // The processor says how many it dropped when the next span gets into the queue again.
      const m = /^Dropped (\d+) spans because maxQueueSize reached/.exec(String(message));
      if (m) dropped += Number(m[1]);
      if (level >= DiagLogLevel.WARN) stderr.warn(message, ...args);
    },
    info: (...args) => stderr.info(...args),
    debug: (...args) => stderr.debug(...args),
    verbose: (...args) => stderr.verbose(...args),
  },
  { logLevel: Math.max(level, DiagLogLevel.WARN), suppressOverrideMessage: true },
);
globalThis[Symbol.for('marquee.tracing.dropped')] = () => dropped;
// undici and fetch calls: client-spans.mjs, on undici's diagnostics channels.
if (!OFF.has('undici')) traceUndici();
await waitForAllMessagesAcknowledged();

// platform-tracing's shutdownTracing() flushes through this before the process exits.
globalThis[Symbol.for('marquee.tracing.sdk')] = sdk;
