// The notification benchmark (run by `pnpm bench notification`): a weekly digest run for many users into a
// local SMTP server, beside raw nodemailer sending the same messages to the same server, in one run.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connectBus, serveJson, Subjects } from '@marquee/platform-bus';
import { loadConfig } from '@marquee/platform-config';
import pg from 'pg';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { notificationConfigSchema } from '../src/config';
import { renderEmail } from '../src/domain/render-message';
import { startNotification } from '../src/service';

const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const infra = {
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
};
const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const RAW_MESSAGES = Number(process.env.BENCH_RAW_MESSAGES ?? 20_000);
const PHASES = 10;
const POOL = 5;
const TITLES = ['Heat', 'Ronin', 'Alien', 'Brazil', 'Solaris', 'Stalker', 'Ran', 'Ikiru', 'Paprika', 'Perfect Blue'];

/** A loopback SMTP server that counts and discards messages. */
async function startSink() {
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _s, done) {
      stream.on('data', () => {});
      stream.on('end', () => {
        count += 1;
        done();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    count: () => count,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function checkInfra(): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.end();
  } catch {
    process.stderr.write(
      'notification bench: PostgreSQL, Kafka, Redis and NATS must run: eval "$(deploy/local/infra.sh start)"\n',
    );
    process.exit(1);
  }
}

/** Raw nodemailer: the same rendered digest, pooled the same, as fast as the server takes it. */
function rawSender(smtpUrl: string) {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: POOL,
    maxMessages: Infinity,
  });
  const links = {
    movie: (id: number) => `http://x.test/c?t=${'a'.repeat(180)}${id}`,
    openPixel: `http://x.test/o?t=${'b'.repeat(120)}`,
    unsubscribe: `http://x.test/u?t=${'c'.repeat(120)}`,
  };
  const movies = TITLES.map((title, i) => ({ movieId: i + 1, title, reason: 'Because you liked Heat' }));
  const mail = renderEmail('weekly_digest', 'Ada', movies, links);
  return {
    /** Sends count messages with 50 in flight; returns the seconds it took. */
    async send(count: number): Promise<number> {
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (next++ < count) {
            await transport.sendMail({
              from: 'Marquee <no-reply@marquee.local>',
              to: `user${next}@example.com`,
              ...mail,
              headers: { 'List-Unsubscribe': `<${links.unsubscribe}>` },
            });
          }
        }),
      );
      return (performance.now() - started) / 1000;
    },
    close: () => transport.close(),
  };
}

export interface DigestBenchResult {
  users: number;
  phases: number;
  rawPerSecond: number;
  digestPerSecond: number;
  peakRssMiB: number;
  rssAfterFirstPhaseMiB: number;
  rssAtEndMiB: number;
  seconds: number;
}

/**
 * Users are seeded in PHASES groups whose digest times are a minute apart; the scheduler's clock is moved
 * one group at a time, and each digest phase alternates with a raw phase of the same size. Summing each side
 * over the alternation keeps a busy, shared machine's swings from favouring either.
 */
export async function runDigestBench(): Promise<DigestBenchResult> {
  await checkInfra();
  const sink = await startSink();
  const prefix = `bench${randomUUID().slice(0, 8)}.`;
  const nats = await connectBus(infra.NATS_URL, 'bench-auth-and-recommendation');
  // Stands in for auth's auth.contact responder (same subject and reply shapes, one user or a list).
  const contactOf = (userId: string) => ({
    found: true,
    email: `user.${userId.slice(0, 8)}@example.com`,
    firstName: 'Ada',
    preferredLanguage: 'en',
    timezone: 'UTC',
  });
  const contact = serveJson<{ userId?: string; userIds?: string[] }, unknown>(
    nats,
    `${prefix}${Subjects.authContact}`,
    async (req) => (req.userIds ? { contacts: req.userIds.map(contactOf) } : contactOf(req.userId ?? '')),
  );
  // Stands in for the recommendation service over NATS: ten titled picks per user, recommendation.for-users' shape.
  const items = TITLES.map((title, i) => ({ movieId: i + 1, title, reason: 'Because you liked Heat' }));
  const recs = serveJson<{ userIds: string[] }, unknown>(
    nats,
    `${prefix}${Subjects.recommendationForUsers}`,
    async (req) => ({ results: req.userIds.map((userId) => ({ userId, items })) }),
  );
  const raw = rawSender(sink.url);

  const db = new URL(ADMIN_URL);
  db.pathname = `/bench_notification_${randomUUID().slice(0, 8)}`;
  const config = loadConfig('notification', notificationConfigSchema, {
    ...infra,
    DATABASE_URL: db.toString(),
    KAFKA_TOPIC_PREFIX: prefix,
    NATS_SUBJECT_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    PORT: '0',
    SMTP_URL: sink.url,
    NOTIFICATION_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    NOTIFICATION_ENCRYPTION_ACTIVE_KID: 'k1',
    SMTP_POOL_SIZE: String(POOL),
    DIGEST_INTERVAL_MS: '100',
    DIGEST_BATCH_SIZE: '2000',
    DELIVERY_BATCH_SIZE: '500',
    DELIVERY_CONCURRENCY: '50',
    DELIVERY_INTERVAL_MS: '50',
  });
  const base = new Date(Math.floor(Date.now() / 60_000) * 60_000 - (PHASES + 2) * 60_000);
  let clock = new Date(base.getTime() - 60_000);
  const service = await startNotification(config, { clock: () => clock });
  const pool = service.deps.database.pool;
  process.stdout.write(`seeding ${USERS} users in ${PHASES} groups…\n`);
  await pool.query(
    `insert into notification_preferences (user_id, digest_day, digest_time, timezone, created_at)
     select gen_random_uuid(), extract(isodow from slot), slot::time, 'UTC', now() - interval '8 days'
     from (select ($2::timestamp + (g % $3) * interval '1 minute') as slot from generate_series(0, $1 - 1) g) s`,
    [USERS, base.toISOString().slice(0, 19), PHASES],
  );
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 100);
  let rawSeconds = 0;
  let rawCount = 0;
  let digestSeconds = 0;
  let rssAfterFirst = 0;
  const perPhase = Math.ceil(USERS / PHASES);
  for (let phase = 0; phase < PHASES; phase += 1) {
    const rawN = Math.min(perPhase, RAW_MESSAGES - rawCount);
    if (rawN > 0) {
      rawSeconds += await raw.send(rawN);
      rawCount += rawN;
    }
    const target = Math.min(USERS, (phase + 1) * perPhase);
    const started = performance.now();
    clock = new Date(base.getTime() + phase * 60_000 + 30_000);
    for (;;) {
      const { rows } = await pool.query(`select count(*)::int as n from notification_logs where status = 'delivered'`);
      if (rows[0].n >= target) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    digestSeconds += (performance.now() - started) / 1000;
    if (phase === 0) rssAfterFirst = process.memoryUsage().rss;
    process.stdout.write(`phase ${phase + 1}/${PHASES}: ${target} digests delivered, ${rawCount} raw\n`);
  }
  clearInterval(sampler);
  const rssAtEnd = process.memoryUsage().rss;
  await service.close();
  raw.close();
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`drop database if exists "${db.pathname.slice(1)}" with (force)`);
  await admin.end();
  contact.unsubscribe();
  recs.unsubscribe();
  await nats.drain();
  await sink.close();
  const mib = (b: number) => Math.round(b / 2 ** 20);
  return {
    users: USERS,
    phases: PHASES,
    rawPerSecond: rawCount / rawSeconds,
    digestPerSecond: USERS / digestSeconds,
    peakRssMiB: mib(peak),
    rssAfterFirstPhaseMiB: mib(rssAfterFirst),
    rssAtEndMiB: mib(rssAtEnd),
    seconds: digestSeconds,
  };
}
