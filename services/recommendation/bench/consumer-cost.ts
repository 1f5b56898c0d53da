// CPU the recommendation consumer spends per interaction event, measured on the service as its own process:
// `node --import @marquee/platform-runtime/register services/recommendation/bench/consumer-cost.ts` (run it under flock /work/bench.lock).
// BENCH_MOVIES (default 9,742, the full catalogue: a fold-in's cost grows with items) and BENCH_EVENTS_SCALE (1 =
// the committed sizes) shrink it for iteration; BENCH_CPU_PROF=<dir> writes the service's V8 CPU profile there.
// PostgreSQL CPU is that of the backends serving the service's database (from /proc by pid, pg_stat_activity); WAL
// is the whole cluster's (the LSN's advance, idle WAL subtracted): run it on a quiet machine.
// Three patterns: "spread" (2,000 users round-robin, as the interactions bench sends them, all at once: the consumer
// catches up), "paced" (the same users at 1,000 events/s: a consumer that keeps up) and "bursts" (40 users with 100
// events each, one user after another, as the demo community's bulk import replays them).
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
import { dropPrefixedLeftovers } from '@marquee/platform-testing/leftovers';
import { movieSnapshot } from '@marquee/platform-testing/movies';
import { interaction } from '../test/events';
import { runtimeArgs } from '@marquee/platform-runtime';

const here = path.dirname(fileURLToPath(import.meta.url));
const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
// The machine's services, as pnpm bench defaults them (deploy/local/infra.sh start brings them up).
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const MOVIES = Number(process.env.BENCH_MOVIES ?? 9742);
const SCALE = Number(process.env.BENCH_EVENTS_SCALE ?? 1);
const CPU_PROF = process.env.BENCH_CPU_PROF;

const GENRES = ['Action', 'Comedy', 'Drama', 'Thriller', 'Romance', 'Horror', 'Animation', 'Documentary'].map(
  (name, k) => ({ id: k + 1, tmdbId: 100 + k, name, slug: name.toLowerCase() }),
);
const WORDS = Array.from({ length: 600 }, (_, k) => `word${String.fromCharCode(97 + (k % 26))}${Math.floor(k / 26)}`);
/**
 * A catalogue whose movies differ as real ones do (one to three genres, 800 directors, 3,000 actors, overview words
 * from a 600-word vocabulary, 70 release years), deterministic per id: with identical metadata every content score
 * ties and each fold-in would rewrite the same list.
 */
function benchMovie(movieId: number) {
  // A 32-bit integer hash (murmur3's finaliser) of the id and a salt per attribute.
  const at = (n: number, salt: number) => {
    let h = Math.imul(movieId, 0x9e3779b1) ^ Math.imul(salt, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return ((h ^ (h >>> 16)) >>> 0) % n;
  };
  const genres = [...new Set([at(8, 1), at(8, 2), at(8, 3)].slice(0, 1 + at(3, 4)))].map((g) => GENRES[g]!);
  const words = Array.from({ length: 12 }, (_, k) => WORDS[at(600, 10 + k)]!);
  return movieSnapshot(movieId, {
    overview: `A ${genres[0]!.name.toLowerCase()} story: ${words.join(' ')}`,
    releaseDate: `${1950 + at(70, 5)}-01-01`,
    runtime: 100,
    director: `Director ${at(800, 6)}`,
    mainCast: Array.from({ length: 4 }, (_, k) => `Actor ${at(3000, 20 + k)}`),
    originalLanguage: at(10, 7) === 0 ? 'fr' : 'en',
    genres,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const prefix = `rec_cost_${Date.now()}`;
const dbUrl = new URL(ADMIN_URL);
dbUrl.pathname = `/${prefix}`;
const issuer = await startTestIssuer();
/** The issuer closed and the run's database dropped (the service migrated it), its topics, groups and keys too. */
async function dropRun() {
  await issuer.close();
  const admin = openDatabase(ADMIN_URL, { max: 1 });
  await admin.pool.query(`drop database if exists ${prefix} with (force)`).catch(() => {});
  await admin.close();
  const problems = await dropPrefixedLeftovers({ prefix, kafkaBrokers: KAFKA_BROKERS.split(','), redisUrl: REDIS_URL });
  for (const p of problems) process.stderr.write(`consumer-cost: could not drop the run's ${p}\n`);
}
const profile = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [];
const child = spawn(process.execPath, [...profile, ...runtimeArgs, path.join(here, 'servers.ts')], {
  cwd: path.join(here, '..'),
  env: {
    ...process.env,
    KAFKA_BROKERS,
    REDIS_URL,
    NATS_URL,
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
  }).catch(async () => {
    // Its own stderr (inherited) said why; this says what to do, after dropping what it may have created.
    process.stderr.write(
      `consumer-cost: the recommendation service did not start; are PostgreSQL, Kafka, Redis and NATS up? (bash deploy/local/infra.sh start)\n`,
    );
    await dropRun();
    process.exit(1);
  });
  db = openDatabase(dbUrl.toString(), { max: 1 });
  const pool = db.pool;
  const count = async (q: string) => (await pool.query<{ n: number }>(q)).rows[0]!.n;
  const ownPid = (await pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  // The service's backends (not this script's): CPU at first sight, then the last reading of each.
  const backends = new Map<number, { first: number; last: number }>();
  const sampleBackends = async () => {
    const rows = await pool.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = $1 and pid <> $2',
      [prefix, ownPid],
    );
    for (const { pid } of rows.rows) {
      const now = cpuMs(pid);
      if (Number.isNaN(now)) continue;
      const seen = backends.get(pid);
      if (seen) seen.last = now;
      else backends.set(pid, { first: now, last: now });
    }
  };
  const backendCpuMs = async () => {
    await sampleBackends();
    let total = 0;
    for (const b of backends.values()) total += b.last - b.first;
    return total;
  };
  const walBytes = async () =>
    Number((await pool.query<{ b: string }>("select (pg_current_wal_lsn() - '0/0')::bigint::text as b")).rows[0]!.b);
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
      value: buildEvent(MovieUpserted, String(k + 1), benchMovie(k + 1), {
        correlationId: randomUUID(),
      }),
    })),
  );
  while ((await count('select count(*)::int as n from rec_movies')) < MOVIES) await sleep(250);
  await sleep(3000); // the debounced content-model rebuild for the new movies

  const idleFrom = cpuMs(child.pid!);
  const idlePgFrom = await backendCpuMs();
  const idleWalFrom = await walBytes();
  await sleep(5000);
  const idlePerSecond = (cpuMs(child.pid!) - idleFrom) / 5;
  const idlePgPerSecond = ((await backendCpuMs()) - idlePgFrom) / 5;
  const idleWalPerSecond = ((await walBytes()) - idleWalFrom) / 5;

  const lines: string[] = [];
  let total = 0;
  const run = async (label: string, events: Array<{ userId: string; movieId: number }>, perSecond?: number) => {
    const messages = events.map(({ userId, movieId }) => ({
      key: userId,
      value: buildEvent(InteractionRecorded, userId, interaction(userId, movieId, 'like'), {
        correlationId: randomUUID(),
      }),
    }));
    total += events.length;
    const cpu0 = cpuMs(child.pid!);
    const pg0 = await backendCpuMs();
    const wal0 = await walBytes();
    const t0 = performance.now();
    if (perSecond) {
      // In sends of 20 on a fixed schedule, as a live stream arrives (the consumer keeps up, so its fetches are small).
      for (let i = 0; i < messages.length; i += 20) {
        const due = t0 + (i / perSecond) * 1000;
        if (due > performance.now()) await sleep(due - performance.now());
        await sendAll(Topics.interaction, messages.slice(i, i + 20));
      }
    } else await sendAll(Topics.interaction, messages);
    while ((await applied()) < total) {
      await sampleBackends();
      await sleep(50);
    }
    const appliedSeconds = (performance.now() - t0) / 1000;
    // Then until every list it queued is in user_recommendations (RECOMMENDATION_STORE_DELAY_MS later): that
    // write is part of what an event costs.
    while ((await count('select count(*)::int as n from rec_pending_lists')) > 0) {
      await sampleBackends();
      await sleep(50);
    }
    const seconds = (performance.now() - t0) / 1000;
    const used = cpuMs(child.pid!) - cpu0;
    const net = Math.max(0, used - idlePerSecond * seconds);
    const pgUsed = (await backendCpuMs()) - pg0;
    const pgNet = Math.max(0, pgUsed - idlePgPerSecond * seconds);
    const walUsed = (await walBytes()) - wal0;
    const walNet = Math.max(0, walUsed - idleWalPerSecond * seconds);
    const perEvent = (ms: number) => ((ms * 1000) / events.length).toFixed(0);
    lines.push(
      `| ${label} | ${events.length} | ${appliedSeconds.toFixed(1)} | ${seconds.toFixed(1)} | ${perEvent(net)} | ${perEvent(used)} | ${perEvent(pgNet)} | ${perEvent(pgUsed)} | ${(walNet / events.length).toFixed(0)} |`,
    );
  };
  const spreadUsers = Array.from({ length: 2000 }, () => randomUUID());
  await run(
    'spread: 2,000 users round-robin',
    Array.from({ length: Math.round(6000 * SCALE) }, (_, k) => ({
      userId: spreadUsers[k % 2000]!,
      movieId: 1 + ((k * 7919) % MOVIES),
    })),
  );
  await run(
    'paced: 2,000 users round-robin at 1,000/s',
    Array.from({ length: Math.round(6000 * SCALE) }, (_, k) => ({
      userId: spreadUsers[k % 2000]!,
      movieId: 1 + ((k * 7919 + 17) % MOVIES),
    })),
    1000,
  );
  const burstUsers = Array.from({ length: Math.max(1, Math.round(40 * SCALE)) }, () => randomUUID());
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
      `recommendation consumer CPU per interaction event (${MOVIES} movies; idle ${idlePerSecond.toFixed(1)} ms/s node, ${idlePgPerSecond.toFixed(1)} ms/s postgres, ${(idleWalPerSecond / 1024).toFixed(1)} KiB/s WAL subtracted; load average ${load})`,
      '',
      '| pattern | events | seconds to apply | seconds until stored | node CPU µs/event | raw node µs/event | postgres CPU µs/event | raw postgres µs/event | WAL bytes/event (cluster) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...lines,
      '',
    ].join('\n'),
  );
} finally {
  child.kill('SIGTERM');
  await db?.close().catch(() => {});
  await new Promise((r) => setTimeout(r, 1000));
  await dropRun();
}
