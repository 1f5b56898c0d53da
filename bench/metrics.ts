import { InteractionRecorded } from '@marquee/contracts';
import {
  ensureTopics,
  on,
  pendingEvent,
  recordEvents,
  startEventConsumer,
  startOutboxRelay,
} from '@marquee/platform-events';
import { createLogger } from '@marquee/platform-logging';
import { createMetricsRegistry, type Registry } from '@marquee/platform-metrics';
import { sql } from 'drizzle-orm';
import { interactionData, openPipelineBench } from './lib/event-pipeline';
import { machineDescription, writeJsonResult, writeResult } from './machine';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 10_000);
/** Rounds of each variant, alternated (off, on, off, on, …) so drift in the machine's load hits both. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SCRAPE_MS = 1000;
const logger = createLogger('bench-metrics', 'error');
const runId = `benchm${Date.now().toString(36)}`;
const { database, settings, kafka, cleanUp } = await openPipelineBench(runId, logger);
await database.pool.query('create table seen (user_id text primary key, n int not null)');

/** One round: a fresh relay and consumer group (with or without the registry), TOTAL events written by 4 writers. */
async function round(n: number, registry: Registry | undefined): Promise<number> {
  // A topic per round: each group reads only its own round's events.
  const topic = `pipeline-r${n}.v1`;
  await ensureTopics(kafka, settings, [topic], 3);
  const def = { ...InteractionRecorded, topic };
  let count = 0;
  let done = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const consumer = await startEventConsumer({
    kafka,
    settings,
    database,
    logger,
    metrics: registry,
    groupId: `${runId}.r${n}`,
    topics: [topic],
    handlers: [
      on(def, async (d, { tx }) => {
        await tx.execute(
          sql`insert into seen values (${d.userId}, 1) on conflict (user_id) do update set n = seen.n + 1`,
        );
        count += 1;
        if (count >= TOTAL) done();
      }),
    ],
  });
  const relay = await startOutboxRelay({ database, kafka, settings, logger, metrics: registry });
  const scraper = registry ? setInterval(() => void registry.metrics(), SCRAPE_MS) : undefined;
  // Joining the group takes seconds on a loaded machine: the clock starts once a first event came back.
  await recordEvents(database.db, [pendingEvent(def, interactionData(0).userId, interactionData(0))]);
  while (count === 0) await new Promise((r) => setTimeout(r, 20));
  count = 0;
  const start = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < TOTAL) {
        const from = next;
        next += 50;
        await database.db.transaction((tx) =>
          recordEvents(
            tx,
            Array.from({ length: Math.min(50, TOTAL - from) }, (_, j) =>
              pendingEvent(def, interactionData(from + j).userId, interactionData(from + j)),
            ),
          ),
        );
      }
    }),
  );
  await finished;
  const seconds = (Date.now() - start) / 1000;
  clearInterval(scraper);
  await relay.stop();
  await consumer.stop();
  return TOTAL / seconds;
}

const off: number[] = [];
const on_: number[] = [];
const registry = createMetricsRegistry('bench');
for (let i = 0; i < ROUNDS; i++) {
  off.push(await round(2 * i, undefined));
  on_.push(await round(2 * i + 1, registry));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ratio = median(on_) / median(off);
const lines = [
  `events: ${TOTAL} per round (4 writers, 50 events per transaction), ${ROUNDS} rounds of each variant alternated; "on" is scraped every ${SCRAPE_MS} ms (outbox backlog query included)`,
  '',
  '| variant | events/s per round | median |',
  '|---|---|---|',
  `| metrics off (no registry) | ${off.map((x) => x.toFixed(0)).join(', ')} | ${median(off).toFixed(0)} |`,
  `| metrics on (service registry, scraped) | ${on_.map((x) => x.toFixed(0)).join(', ')} | ${median(on_).toFixed(0)} |`,
  '',
  `on / off throughput: ${(ratio * 100).toFixed(1)}% (our target, not the issue's: ≥ 95%): ${ratio >= 0.95 ? 'met' : 'NOT met'}`,
];
process.stdout.write(`${machineDescription()}\n${lines.join('\n')}\n`);
process.stdout.write(`written to ${writeResult('metrics', lines.join('\n'))}\n`);
writeJsonResult('metrics', [
  {
    name: 'pipeline throughput, metrics off (median)',
    value: Math.round(median(off)),
    unit: 'events/s',
    target: null,
    met: null,
  },
  {
    name: 'pipeline throughput, metrics on (median)',
    value: Math.round(median(on_)),
    unit: 'events/s',
    target: null,
    met: null,
  },
  {
    name: 'metrics on / off throughput',
    value: Number((ratio * 100).toFixed(1)),
    unit: '%',
    target: '>= 95',
    met: ratio >= 0.95,
  },
]);

await cleanUp();
process.exit(0);
