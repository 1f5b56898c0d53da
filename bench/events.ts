// Outbox → relay → Kafka → idempotent consumer, beside kafkajs producing straight to Kafka (the
// ceiling), in one run on the same broker, database and consumer code.
// `pnpm bench events --tracing`: the outbox path untraced beside the same path with every transaction
// inside a span (as a traced request's would be), in one process running the OpenTelemetry SDK.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { buildEvent, InteractionRecorded } from '@marquee/contracts';
import {
  connectProducer,
  ensureTopics,
  on,
  pendingEvent,
  recordEvents,
  startEventConsumer,
  startOutboxRelay,
} from '@marquee/platform-events';
import { createLogger } from '@marquee/platform-logging';
import { randomBytes } from 'node:crypto';
import {
  droppedSpans,
  flushTracing,
  shutdownTracing,
  startServerSpan,
  tracingStarted,
  withSpan,
} from '@marquee/platform-tracing';
import { sql } from 'drizzle-orm';
import { interactionData, openPipelineBench } from './lib/event-pipeline';
import { loadMeasure, machineDescription, percentile, processCpuMs, writeJsonResult, writeResult } from './machine';
import { withZipkin, zipkinPid } from './zipkin';
import { runtimeArgs } from '@marquee/platform-runtime';

const TRACING = process.argv.includes('--tracing');
if (TRACING && !tracingStarted()) {
  // The SDK must load before pg and kafkajs: run this bench again as a process started like a traced service.
  const status = await withZipkin(async (url) => {
    const child = spawnSync(
      process.execPath,
      [
        ...runtimeArgs,
        '--import',
        path.resolve(import.meta.dirname, '../packages/platform-tracing/src/register.mjs'),
        ...process.argv.slice(1),
      ],
      {
        stdio: 'inherit',
        env: {
          ...process.env,
          OTEL_TRACES_EXPORTER: 'zipkin',
          OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${url}/api/v2/spans`,
          OTEL_SERVICE_NAME: 'bench-events',
          // Every span of the traced variant kept (the default keeps a tenth); the 10 % variant samples through its
          // callers' traceparents (parent-based).
          OTEL_TRACES_SAMPLER: 'parentbased_always_on',
          BENCH_ZIPKIN_PID: String(zipkinPid() ?? ''),
        },
      },
    );
    return child.status ?? 1;
  });
  process.exit(status);
}

const TOTAL = Number(process.env.BENCH_EVENTS ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
/** Throughput runs per path of --tracing, in rotating order. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const loadBefore = os.loadavg()[0] as number;
/** The Zipkin server the traced child exports to (bench/zipkin.ts found it): its CPU is part of what tracing costs here. */
const ZIPKIN_PID = Number(process.env.BENCH_ZIPKIN_PID) || undefined;
const logger = createLogger('bench-events', 'error');
const runId = `bench${Date.now().toString(36)}`;
const { database, settings, kafka, cleanUp } = await openPipelineBench(runId, logger);

interface Sink {
  count: number;
  latencies: number[];
  done: Promise<void>;
  reset(expect: number): void;
}

/** One consumer group per path; its handler does the same small write a real projection would. */
async function consumerFor(path: string): Promise<{ sink: Sink; stop: () => Promise<void> }> {
  const topic = `${path}.v1`;
  await ensureTopics(kafka, settings, [topic], 3);
  await database.pool.query(`create table if not exists seen_${path} (user_id text primary key, n int not null)`);
  let resolve = () => {};
  let expected = 0;
  const sink: Sink = {
    count: 0,
    latencies: [],
    done: Promise.resolve(),
    reset(n) {
      expected = n;
      sink.count = 0;
      sink.latencies = [];
      sink.done = new Promise((r) => {
        resolve = r;
      });
    },
  };
  const consumer = await startEventConsumer({
    kafka,
    settings,
    database,
    logger,
    groupId: `${runId}.${path}`,
    topics: [topic],
    handlers: [
      on(InteractionRecorded, async (d, { tx, event: e }) => {
        await tx.execute(
          sql.raw(
            `insert into seen_${path} values ('${d.userId}', 1) on conflict (user_id) do update set n = seen_${path}.n + 1`,
          ),
        );
        sink.latencies.push(Date.now() - Date.parse(e.occurredAt));
        sink.count += 1;
        if (sink.count >= expected) resolve();
      }),
    ],
  });
  return { sink, stop: () => consumer.stop() };
}

async function paced(
  totalSeconds: number,
  perSecond: number,
  tick: (i: number, n: number) => Promise<void>,
): Promise<void> {
  const stepMs = 10;
  const perStep = perSecond / (1000 / stepMs);
  const steps = (totalSeconds * 1000) / stepMs;
  const start = Date.now();
  let sent = 0;
  const inflight: Promise<void>[] = [];
  for (let s = 1; s <= steps; s += 1) {
    const target = Math.round(s * perStep);
    const n = target - sent;
    if (n > 0) inflight.push(tick(sent, n));
    sent = target;
    const wait = start + s * stepMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(inflight);
}

function stats(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

// Ceiling: kafkajs straight to Kafka.
const direct = await consumerFor('direct');
const producer = await connectProducer(kafka);
const directTopic = `${settings.topicPrefix}direct.v1`;
const sendDirect = async (from: number, n: number) => {
  const messages = Array.from({ length: n }, (_, j) => {
    const env = buildEvent(InteractionRecorded, interactionData(from + j).userId, interactionData(from + j), {
      correlationId: runId,
    });
    return { key: env.key, value: JSON.stringify(env) };
  });
  await producer.send({ topic: directTopic, acks: -1, messages });
};

// Outbox path: transactions that write one state row and their events, relayed to Kafka.
const viaOutbox = await consumerFor('outbox');
await database.pool.query('create table if not exists bench_state (id bigint primary key)');
const relay = await startOutboxRelay({ database, kafka, settings: { topicPrefix: settings.topicPrefix }, logger });
/** One write transaction of a path: a state row and n events on the path's topic, through the outbox. */
const writeOn = (topic: string) => {
  const def = { ...InteractionRecorded, topic };
  return (from: number, n: number): Promise<void> =>
    database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into bench_state values (${from}) on conflict do nothing`);
      await recordEvents(
        tx,
        Array.from({ length: n }, (_, j) =>
          pendingEvent(def, interactionData(from + j).userId, interactionData(from + j)),
        ),
      );
    });
};
const writeOutbox = writeOn('outbox.v1');

// Traced: the same transactions, each inside a span as a traced request handler's would be, so the row
// stores a traceparent, the relay publishes it with a span and the consumer handles it in a child span.
const viaTraced = TRACING ? await consumerFor('traced') : undefined;
const writeTracedTx = writeOn('traced.v1');
const writeTraced = (from: number, n: number) => withSpan('bench request', () => writeTracedTx(from, n));

// Traced at 10 %: each transaction as a request handler's under a caller (the gateway) that sampled one
// request in ten, so a tenth store a sampled traceparent and the rest a dropped one (platform-tracing).
const viaTenth = TRACING ? await consumerFor('tenth') : undefined;
const writeTenthTx = writeOn('tenth.v1');
const writeTenth = (from: number, n: number) => {
  const flags = Math.random() < 0.1 ? '01' : '00';
  const caller = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-${flags}`;
  const span = startServerSpan('POST', '/bench', '/bench', { traceparent: caller });
  return new Promise<void>((resolve, reject) => {
    span.run(() => {
      writeTenthTx(from, n)
        .then(resolve, reject)
        .finally(() => span.end(200));
    });
  });
};

interface Throughput {
  label: string;
  eventsPerSecond: number;
  seconds: number;
  /** This process's CPU (user + system) per event over the run, µs: writers, relay and consumer alike. */
  cpuPerEvent: number;
  /** The Zipkin server's CPU per event from the run's start until the spans it caused were in. */
  zipkinCpuPerEvent: number;
  /** Spans the SDK's batch processor dropped during the run (queue full): they never reached Zipkin. */
  dropped: number;
}

async function throughput(
  label: string,
  sink: Sink,
  write: (from: number, n: number) => Promise<void>,
  txSize: number,
): Promise<Throughput> {
  sink.reset(TOTAL);
  const droppedBefore = droppedSpans() ?? 0;
  const zipkinBefore = processCpuMs(ZIPKIN_PID);
  const cpuBefore = process.cpuUsage();
  const start = Date.now();
  const writers = 4;
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < TOTAL) {
        const from = next;
        next += txSize;
        await write(from, Math.min(txSize, TOTAL - from));
      }
    }),
  );
  await sink.done;
  const seconds = (Date.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  if (TRACING) {
    // The run's spans still in the batch processor go out now (untimed), and Zipkin gets a moment to take
    // them in, so its CPU is charged to the run that caused it and not to the next path's.
    await flushTracing();
    await new Promise((r) => setTimeout(r, 1000));
  }
  return {
    label,
    eventsPerSecond: TOTAL / seconds,
    seconds,
    cpuPerEvent: (cpu.user + cpu.system) / TOTAL,
    zipkinCpuPerEvent: ((processCpuMs(ZIPKIN_PID) - zipkinBefore) * 1000) / TOTAL,
    dropped: (droppedSpans() ?? 0) - droppedBefore,
  };
}

/**
 * Paced load: every 10 ms the tick's events are written. The direct path sends a tick as one
 * request (kafkajs has no linger; one send per event would measure its one-in-flight queue, not
 * Kafka); the outbox path writes one transaction per event, as request handlers would.
 */
async function latencyAtRate(
  sink: Sink,
  write: (from: number, n: number) => Promise<void>,
  eventsPerWrite: number,
): Promise<ReturnType<typeof stats> & { writeSeconds: number }> {
  const expected = RATE * RATE_SECONDS;
  sink.reset(expected);
  const started = Date.now();
  await paced(RATE_SECONDS, RATE, async (from, n) => {
    const writes: Promise<void>[] = [];
    for (let j = 0; j < n; j += eventsPerWrite) writes.push(write(from + j, Math.min(eventsPerWrite, n - j)));
    await Promise.all(writes);
  });
  const writeSeconds = (Date.now() - started) / 1000;
  await sink.done;
  return { ...stats(sink.latencies), writeSeconds };
}

if (viaTraced && viaTenth) {
  // Warm up every path, then rounds of all three in rotating order (max throughput on shared cores varies a lot).
  const paths = [
    { label: 'untraced', sink: viaOutbox.sink, write: writeOutbox },
    { label: 'traced, every span sampled', sink: viaTraced.sink, write: writeTraced },
    { label: 'traced, 10 % sampled', sink: viaTenth.sink, write: writeTenth },
  ];
  // 2,000 events each: enough for the JIT of this process and of the Zipkin server (C2) to settle.
  for (const p of paths) {
    p.sink.reset(2000);
    for (let from = 0; from < 2000; from += 500) await p.write(from, 500);
    await p.sink.done;
  }
  const tp: Throughput[][] = paths.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let j = 0; j < paths.length; j++) {
      const k = (round + j) % paths.length;
      const p = paths[k] as (typeof paths)[number];
      (tp[k] as Throughput[]).push(await throughput(p.label, p.sink, p.write, 50));
    }
  }
  const lat: Awaited<ReturnType<typeof latencyAtRate>>[] = [];
  for (const p of paths) lat.push(await latencyAtRate(p.sink, p.write, 1));
  const mean = (values: number[]) => values.reduce((a, v) => a + v, 0) / values.length;
  const of = (k: number, f: (t: Throughput) => number) => mean((tp[k] as Throughput[]).map(f));
  const ratioOf = (k: number) => of(k, (t) => t.eventsPerSecond) / of(0, (t) => t.eventsPerSecond);
  // The instrumentation's own cost: this process's CPU per event untraced over traced. As a throughput
  // ratio it is what the process would keep if its CPU alone were the limit, Zipkin's on other cores.
  const cpuRatioOf = (k: number) => of(0, (t) => t.cpuPerEvent) / of(k, (t) => t.cpuPerEvent);
  const ratio = ratioOf(1);
  const ratioTenth = ratioOf(2);
  const cpuRatio = cpuRatioOf(1);
  const cpuRatioTenth = cpuRatioOf(2);
  const verdict = (r: number) => (r >= 0.9 ? 'met' : 'NOT met');
  const zipkinCell = (t: Throughput) => (Number.isNaN(t.zipkinCpuPerEvent) ? '–' : t.zipkinCpuPerEvent.toFixed(0));
  const lines = [
    `outbox → relay → Kafka → consumer, untraced beside traced (each write transaction inside a span; the SDK exports to Zipkin), one process; ` +
      'traced with every span sampled, and at 10 % (each transaction under a caller traceparent sampled one time in ten, as behind a gateway sampling 10 %)',
    `events: ${TOTAL} per throughput run (4 writers, 50 events per transaction), ${ROUNDS} runs per path in rotating order; ${RATE}/s for ${RATE_SECONDS}s for latency (1 event per transaction)`,
    `machine load average (1 min) ${loadBefore.toFixed(1)} before, ${(os.loadavg()[0] as number).toFixed(1)} after`,
    'CPU per event: this process (writers, relay, consumer, and when traced the SDK and its exporter) over the timed run; ' +
      "the Zipkin server's (on the same 2 cores) from the run's start until its spans were flushed and taken in",
    '',
    '| path | throughput runs (events/s) | mean (events/s) | process CPU µs/event (runs) | Zipkin CPU µs/event (runs) | spans dropped (runs) | p50 at rate (ms) | p99 at rate (ms) | max (ms) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...paths.map((p, k) => {
      const l = lat[k] as (typeof lat)[number];
      const runs = tp[k] as Throughput[];
      return (
        `| ${p.label} | ${runs.map((r) => r.eventsPerSecond.toFixed(0)).join(', ')} | ${of(k, (t) => t.eventsPerSecond).toFixed(0)} ` +
        `| ${runs.map((r) => r.cpuPerEvent.toFixed(0)).join(', ')} | ${runs.map(zipkinCell).join(', ')} ` +
        `| ${runs.map((r) => r.dropped).join(', ')} | ${l.p50} | ${l.p99} | ${l.max} |`
      );
    }),
    '',
    `traced (every span) / untraced throughput: ${(ratio * 100).toFixed(1)}% (target ≥ 90%, at most 10% cost): ${verdict(ratio)}`,
    `traced (10 % sampled) / untraced throughput: ${(ratioTenth * 100).toFixed(1)}% (target ≥ 90%, at most 10% cost): ${verdict(ratioTenth)}`,
    `process CPU per event, untraced / traced (every span): ${(cpuRatio * 100).toFixed(1)}% (the instrumentation's own cost, same target): ${verdict(cpuRatio)}`,
    `process CPU per event, untraced / traced (10 % sampled): ${(cpuRatioTenth * 100).toFixed(1)}%: ${verdict(cpuRatioTenth)}`,
    `spans the batch processor dropped (queue full, never exported), whole run: ${droppedSpans() ?? 0}`,
    `writes at rate took ${lat.map((l, k) => `${l.writeSeconds.toFixed(1)} s (${paths[k]?.label})`).join(', ')} for ${RATE_SECONDS} s of load`,
  ];
  process.stdout.write(`${machineDescription()}\n${lines.join('\n')}\n`);
  process.stdout.write(`written to ${writeResult('events-tracing', lines.join('\n'))}\n`);
  const json = writeJsonResult('events-tracing', [
    {
      name: 'outbox pipeline throughput, traced (every span) / untraced',
      value: Number((ratio * 100).toFixed(1)),
      unit: '%',
      target: '>= 90',
      met: ratio >= 0.9,
    },
    {
      name: 'outbox pipeline throughput, traced (10 % sampled) / untraced',
      value: Number((ratioTenth * 100).toFixed(1)),
      unit: '%',
      target: '>= 90',
      met: ratioTenth >= 0.9,
    },
    {
      name: 'outbox pipeline process CPU per event, untraced / traced (every span)',
      value: Number((cpuRatio * 100).toFixed(1)),
      unit: '%',
      target: '>= 90',
      met: cpuRatio >= 0.9,
    },
    {
      name: 'outbox pipeline process CPU per event, untraced / traced (10 % sampled)',
      value: Number((cpuRatioTenth * 100).toFixed(1)),
      unit: '%',
      target: '>= 90',
      met: cpuRatioTenth >= 0.9,
    },
    ...paths.map((p, k) => ({
      name: `${p.label} throughput (mean)`,
      value: Math.round(of(k, (t) => t.eventsPerSecond)),
      unit: 'events/s',
      target: null,
      met: null,
    })),
    ...paths.map((p, k) => ({
      name: `${p.label} process CPU per event (mean)`,
      value: Math.round(of(k, (t) => t.cpuPerEvent)),
      unit: 'µs',
      target: null,
      met: null,
    })),
    ...paths.map((p, k) => ({
      name: `${p.label} Zipkin CPU per event (mean)`,
      value: Math.round(of(k, (t) => t.zipkinCpuPerEvent)),
      unit: 'µs',
      target: null,
      met: null,
    })),
    ...paths.map((p, k) => ({
      name: `${p.label} p99 at ${RATE}/s`,
      value: (lat[k] as (typeof lat)[number]).p99,
      unit: 'ms',
      target: null,
      met: null,
    })),
    {
      name: 'spans the batch processor dropped (queue full, never exported), whole run',
      value: droppedSpans() ?? 0,
      unit: 'spans',
      target: null,
      met: null,
    },
    loadMeasure('before', loadBefore),
    loadMeasure('at the end'),
  ]);
  process.stdout.write(`written to ${json}\n`);
  await viaTenth.stop();
  await viaTraced.stop();
  await finish();
}

// Warm up both paths so topic metadata, connections and JIT are in place.
direct.sink.reset(500);
await sendDirect(0, 500);
await direct.sink.done;
viaOutbox.sink.reset(500);
await writeOutbox(0, 500);
await viaOutbox.sink.done;

const ceilingTp = await throughput('kafkajs → Kafka → consumer (ceiling)', direct.sink, sendDirect, 50);
const outboxTp = await throughput('outbox → relay → Kafka → consumer', viaOutbox.sink, writeOutbox, 50);
const ceilingLat = await latencyAtRate(direct.sink, sendDirect, Number.MAX_SAFE_INTEGER);
const outboxLat = await latencyAtRate(viaOutbox.sink, writeOutbox, 1);
const outboxLat5 = await latencyAtRate(viaOutbox.sink, writeOutbox, 5);

const ratio = outboxTp.eventsPerSecond / ceilingTp.eventsPerSecond;
const lines = [
  `events: ${TOTAL} for throughput (4 writers, 50 events per send/transaction); ${RATE}/s for ${RATE_SECONDS}s for latency (direct: one send per 10 ms tick; outbox: 1 or 5 events per transaction)`,
  `writes at rate took ${ceilingLat.writeSeconds.toFixed(1)} s (direct), ${outboxLat.writeSeconds.toFixed(1)} s (outbox, 1 event/tx) and ${outboxLat5.writeSeconds.toFixed(1)} s (outbox, 5 events/tx) for ${RATE_SECONDS} s of load: more than ${RATE_SECONDS} s means the writers, not the pipeline, fell behind`,
  '',
  '| path | throughput (events/s) | p50 at rate (ms) | p99 at rate (ms) | max (ms) |',
  '|---|---|---|---|---|',
  `| ${ceilingTp.label} | ${ceilingTp.eventsPerSecond.toFixed(0)} | ${ceilingLat.p50} | ${ceilingLat.p99} | ${ceilingLat.max} |`,
  `| ${outboxTp.label}, 1 event per transaction | ${outboxTp.eventsPerSecond.toFixed(0)} | ${outboxLat.p50} | ${outboxLat.p99} | ${outboxLat.max} |`,
  `| same, 5 events per transaction | | ${outboxLat5.p50} | ${outboxLat5.p99} | ${outboxLat5.max} |`,
  '',
  `outbox / ceiling throughput: ${(ratio * 100).toFixed(1)}% (target ≥ 50%): ${ratio >= 0.5 ? 'met' : 'NOT met'}`,
  `outbox p99 at ${RATE}/s, 1 event per transaction: ${outboxLat.p99} ms (target < 250 ms): ${outboxLat.p99 < 250 ? 'met' : 'NOT met'}`,
  `outbox p99 at ${RATE}/s, 5 events per transaction: ${outboxLat5.p99} ms (target < 250 ms): ${outboxLat5.p99 < 250 ? 'met' : 'NOT met'}`,
];
process.stdout.write(`${machineDescription()}\n${lines.join('\n')}\n`);
const file = writeResult('events', lines.join('\n'));
const json = writeJsonResult('events', [
  {
    name: 'ceiling throughput (kafkajs → Kafka → consumer)',
    value: Math.round(ceilingTp.eventsPerSecond),
    unit: 'events/s',
    target: null,
    met: null,
  },
  {
    name: 'outbox throughput (outbox → relay → Kafka → consumer)',
    value: Math.round(outboxTp.eventsPerSecond),
    unit: 'events/s',
    target: null,
    met: null,
  },
  {
    name: 'outbox / ceiling throughput',
    value: Number((ratio * 100).toFixed(1)),
    unit: '%',
    target: '>= 50',
    met: ratio >= 0.5,
  },
  { name: `ceiling p99 at ${RATE}/s`, value: ceilingLat.p99, unit: 'ms', target: null, met: null },
  {
    name: `outbox p99 at ${RATE}/s, 1 event per transaction`,
    value: outboxLat.p99,
    unit: 'ms',
    target: '< 250',
    met: outboxLat.p99 < 250,
  },
  {
    name: `outbox p99 at ${RATE}/s, 5 events per transaction`,
    value: outboxLat5.p99,
    unit: 'ms',
    target: '< 250',
    met: outboxLat5.p99 < 250,
  },
  {
    name: `outbox writes at ${RATE}/s, 1 event per transaction, took`,
    value: Number(outboxLat.writeSeconds.toFixed(1)),
    unit: 's',
    target: `<= ${RATE_SECONDS}`,
    met: outboxLat.writeSeconds <= RATE_SECONDS + 0.05,
  },
  loadMeasure('at the end'),
]);
process.stdout.write(`written to ${file} and ${json}\n`);
await finish();

async function finish(): Promise<never> {
  await relay.stop();
  await producer.disconnect();
  await direct.stop();
  await viaOutbox.stop();
  await cleanUp();
  // Zipkin may still be digesting the run's spans; the figures are written already.
  await shutdownTracing().catch((err: Error) => process.stderr.write(`tracing shutdown: ${err.message}\n`));
  process.exit(0);
}
