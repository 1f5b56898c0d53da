import { InteractionRecorded, Topics } from '@marquee/contracts';
import { eventually, interactionRecorded } from '@marquee/platform-testing';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventConsumer,
  type OutboxRelay,
  on,
  recordEvents,
  startEventConsumer,
  startOutboxRelay,
} from '../src/index';
import { type EventsEnv, eventsEnv, logger } from './fixtures/harness';

// The SDK pieces the Node SDK registers in a traced service (register.mjs), here in the test's own process so
// the spans can be read back from memory: trace context from a request through the outbox row, the relay,
// the Kafka header and the consumer's handler.
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

const userId = '0190a0b0-0000-7000-8000-0000000000bb';
const data = (movieId: number) => interactionRecorded(userId, movieId, { interactionId: `t-${movieId}` });

let env: EventsEnv;
let relay: OutboxRelay;
let consumer: EventConsumer;
const handled = new Map<number, { traceId?: string; parentSpanId?: string }>();
const received: KafkaMessage[] = [];

const write = (movieId: number) =>
  env.database.db.transaction((tx) =>
    recordEvents(tx, [{ def: InteractionRecorded, key: userId, data: data(movieId) }]),
  );

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  env = await eventsEnv('tracing', [Topics.interaction]);
  relay = await startOutboxRelay({ database: env.database, kafka: env.kafka, settings: env.settings, logger });
  consumer = await startEventConsumer({
    kafka: env.kafka,
    settings: env.settings,
    database: env.database,
    logger,
    groupId: 'tracing-test',
    handlers: [
      on(InteractionRecorded, async (d) => {
        const span = trace.getActiveSpan();
        handled.set(d.movieId, {
          traceId: span?.spanContext().traceId,
          parentSpanId: (span as unknown as ReadableSpan | undefined)?.parentSpanContext?.spanId,
        });
      }),
    ],
  });
  // A second group that only looks at the messages' headers.
  const peek = env.kafka.consumer({ groupId: `${env.settings.topicPrefix}peek` });
  await peek.connect();
  await peek.subscribe({ topic: `${env.settings.topicPrefix}${Topics.interaction}`, fromBeginning: true });
  await peek.run({
    eachMessage: async ({ message }) => {
      received.push(message);
    },
  });
  afterAllClosers.push(() => peek.disconnect());
});
const afterAllClosers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await consumer?.stop();
  await relay?.stop();
  for (const c of afterAllClosers) await c();
  await env?.close();
  trace.disable();
  propagation.disable();
  context.disable();
});

describe('trace context through the outbox and Kafka', () => {
  it('When an event is recorded inside a span, then its row keeps the traceparent, the relay publishes it under a child span and the handler runs in a grandchild span of the same trace', async () => {
    const request = provider.getTracer('test').startSpan('POST /v1/interactions', { kind: SpanKind.SERVER });
    await context.with(trace.setSpan(context.active(), request), () => write(1));
    request.end();
    const { traceId, spanId } = request.spanContext();

    const { rows } = await env.database.pool.query<{ traceparent: string | null }>(
      `select traceparent from outbox_written where payload->'data'->>'movieId' = '1'`,
    );
    expect(rows[0]?.traceparent).toBe(`00-${traceId}-${spanId}-01`);

    const seen = await eventually(() => handled.get(1), { timeoutMs: 30_000, what: 'event 1 handled' });
    const spans = exporter.getFinishedSpans();
    const publish = spans.find((s) => s.kind === SpanKind.PRODUCER);
    const consume = spans.find((s) => s.kind === SpanKind.CONSUMER);
    expect(publish?.spanContext().traceId).toBe(traceId);
    expect(publish?.parentSpanContext?.spanId).toBe(spanId);
    expect(publish?.name).toBe(`publish ${env.settings.topicPrefix}${Topics.interaction}`);
    expect(consume?.name).toBe('tracing-test process interaction.recorded');
    expect(consume?.spanContext().traceId).toBe(traceId);
    expect(consume?.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
    expect(seen.traceId).toBe(traceId);

    const message = await eventually(() => received.find((m) => JSON.parse(String(m.value)).data.movieId === 1), {
      timeoutMs: 30_000,
      what: 'message 1 peeked',
    });
    expect(String(message.headers?.traceparent)).toBe(`00-${traceId}-${publish?.spanContext().spanId as string}-01`);
  });

  it('When an event is recorded outside any span, then no traceparent is stored or sent, and neither the relay nor the consumer starts a trace', async () => {
    exporter.reset();
    await write(2);
    const seen = await eventually(() => handled.get(2), { timeoutMs: 30_000, what: 'event 2 handled' });
    expect(seen.traceId).toBeUndefined();
    const { rows } = await env.database.pool.query<{ traceparent: string | null }>(
      `select traceparent from outbox_written where payload->'data'->>'movieId' = '2'`,
    );
    expect(rows[0]?.traceparent).toBeNull();
    const message = await eventually(() => received.find((m) => JSON.parse(String(m.value)).data.movieId === 2), {
      timeoutMs: 30_000,
      what: 'message 2 peeked',
    });
    expect(message.headers?.traceparent).toBeUndefined();
    // The relay kept polling all along; none of its polls left a span.
    await new Promise((r) => setTimeout(r, 300));
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([]);
  });
});
