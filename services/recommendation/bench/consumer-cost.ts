// CPU the recommendation consumer spends per interaction event, measured on the service as its own process:
// `node --import tsx services/recommendation/bench/consumer-cost.ts` (run it under flock /work/bench.lock).
// Two patterns: "spread" (2,000 users round-robin, as the interactions bench sends them) and "bursts" (40 users
// with 100 events each, one user after another, as the demo community's bulk import replays them).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEvent, InteractionRecorded, MovieUpserted, Topics } from '@marquee/contracts';
import { startTestIssuer } from '@marquee/platform-auth';
import { connectProducer, createKafka, physicalTopic } from '@marquee/platform-events';
import { openDatabase } from '@marquee/platform-db';
import { createLogger } from '@marquee/platform-logging';
import { processCpuMs as cpuMs } from '../../../bench/machine';
import { interaction, movie } from '../test/events';

const here = path.dirname(fileURLToPath(import.meta.url));
const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const MOVIES = 2000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const prefix = `rec_cost_${Date.now()}`;
const dbUrl = new URL(ADMIN_URL);
dbUrl.pathname = `/${prefix}`;
const issuer = await startTestIssuer();
const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'servers.ts')], {
  cwd: path.join(here, '..'),
  env: {
    ...process.env,
    DATABASE_URL: dbUrl.toString(),
    KAFKA_TOPIC_PREFIX: `${prefix}.`,
    CACHE_KEY_PREFIX: `${prefix}:`,
    NATS_SUBJECT_PREFIX: `${prefix}.`,
    AUTH_JWKS_URL: issuer.jwksUrl,
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let db: ReturnType<typeof openDatabase> | undefined;
try {
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`recommendation exited ${code}`)));
  });
  db = openDatabase(dbUrl.toString(), { max: 1 });
  const pool = db.pool;
  const count = async (q: string) => (await pool.query<{ n: number }>(q)).rows[0]!.n;
  const applied = () => count("select count(*)::int as n from processed_events where event_type like 'interaction.%'");
  const kafka = createKafka(
    { brokers: KAFKA_BROKERS.split(','), clientId: 'rec-cost', topicPrefix: `${prefix}.` },
    createLogger('rec-cost', 'error'),
  );
  const producer = await connectProducer(kafka);
  const sendAll = async (topic: string, messages: { key: string; value: unknown }[]) => {
    for (let i = 0; i < messages.length; i += 500)
      await producer.send({
        topic: physicalTopic({ topicPrefix: `${prefix}.` }, topic),
        messages: messages.slice(i, i + 500).map((m) => ({ key: m.key, value: JSON.stringify(m.value) })),
      });
  };
  await sendAll(
    Topics.catalogMovie,
    Array.from({ length: MOVIES }, (_, k) => ({
      key: String(k + 1),
      value: buildEvent(MovieUpserted, String(k + 1), movie(k + 1, (k % 3) as 0 | 1 | 2), {
        correlationId: randomUUID(),
      }),
    })),
  );
  while ((await count('select count(*)::int as n from rec_movies')) < MOVIES) await sleep(250);
  await sleep(3000); // the debounced content-model rebuild for the new movies

  const idleFrom = cpuMs(child.pid!);
  await sleep(5000);
  const idlePerSecond = (cpuMs(child.pid!) - idleFrom) / 5;

  const lines: string[] = [];
  let total = 0;
  const run = async (label: string, events: Array<{ userId: string; movieId: number }>) => {
    const messages = events.map(({ userId, movieId }) => ({
      key: userId,
      value: buildEvent(InteractionRecorded, userId, interaction(userId, movieId, 'like'), {
        correlationId: randomUUID(),
      }),
    }));
    total += events.length;
    const cpu0 = cpuMs(child.pid!);
    const t0 = performance.now();
    await sendAll(Topics.interaction, messages);
    while ((await applied()) < total) await sleep(50);
    const seconds = (performance.now() - t0) / 1000;
    const used = cpuMs(child.pid!) - cpu0;
    const net = Math.max(0, used - idlePerSecond * seconds);
    lines.push(
      `| ${label} | ${events.length} | ${seconds.toFixed(1)} | ${((net * 1000) / events.length).toFixed(0)} | ${((used * 1000) / events.length).toFixed(0)} |`,
    );
  };
  const spreadUsers = Array.from({ length: 2000 }, () => randomUUID());
  await run(
    'spread: 2,000 users round-robin',
    Array.from({ length: 6000 }, (_, k) => ({ userId: spreadUsers[k % 2000]!, movieId: 1 + ((k * 7919) % MOVIES) })),
  );
  const burstUsers = Array.from({ length: 40 }, () => randomUUID());
  await run(
    'bursts: 40 users × 100 events, one user after another',
    burstUsers.flatMap((userId, u) =>
      Array.from({ length: 100 }, (_, k) => ({ userId, movieId: 1 + ((u * 131 + k * 17) % MOVIES) })),
    ),
  );
  await producer.disconnect();
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  process.stdout.write(
    [
      `recommendation consumer CPU per interaction event (${MOVIES} movies; idle ${idlePerSecond.toFixed(1)} ms/s subtracted; load average ${load})`,
      '',
      '| pattern | events | seconds to apply | CPU µs/event | raw CPU µs/event |',
      '|---|---:|---:|---:|---:|',
      ...lines,
      '',
    ].join('\n'),
  );
} finally {
  child.kill('SIGTERM');
  await db?.close().catch(() => {});
  await issuer.close();
  await new Promise((r) => setTimeout(r, 1000));
  const admin = openDatabase(ADMIN_URL, { max: 1 });
  await admin.pool.query(`drop database if exists ${prefix} with (force)`).catch(() => {});
  await admin.close();
}
