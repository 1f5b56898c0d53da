// Reports half of `pnpm bench analytics`: 5 million log rows generated in SQL over the last 300 days,
// the daily tables built from them as the consumer would have, then every report through the real app.
import { startTestIssuer } from '@marquee/platform-auth';
import { loadConfig } from '@marquee/platform-config';
import { type Database, openDatabase } from '@marquee/platform-db';
import { percentile } from '../../../bench/machine';
import { analyticsSchema } from '../src/config';
import { createPartitions } from '../src/db/partitions';
import { addMonths, monthStart } from '../src/domain/months';
import {
  CTR_COUNTS,
  CTR_ROWS,
  logAsMetricRows,
  POPULARITY_COUNTS,
  POPULARITY_HAVING,
} from '../src/ingest/metric-rules';
import { startAnalytics } from '../src/service';
import type { BenchInfra } from './ingest-bench';

export interface ReportTiming {
  report: string;
  p50: number;
  p99: number;
  requests: number;
}

const DAYS = 300;
const USERS = 50_000;
const MOVIES = 10_000;
const CHUNK = 500_000;

const ACTIONS = `array['movie_view','movie_view','movie_view','movie_view','movie_search','movie_search','movie_like',
  'rating_submit','recommendation_impression','recommendation_impression','recommendation_impression',
  'recommendation_click','favorite_add','watchlist_add','email_open','push_click']`;

/** One chunk of generated rows: a fifth anonymous, movies skewed toward the popular, times over DAYS days. */
const GENERATE = `
insert into user_activity_logs (event_id, user_id, session_id, action_type, movie_id, ip_address, user_agent, source, metadata, occurred_at)
select gen_random_uuid(),
       case when i % 5 = 0 then null else ('00000000-0000-4000-8000-' || lpad(((i * 7919) % ${USERS})::text, 12, '0'))::uuid end,
       's-' || (i % 400000), a,
       case when a = 'movie_search' then null else 1 + floor(${MOVIES} * power(random(), 3))::int end,
       '203.0.' || (i % 256) || '.0/24', 'Mozilla/5.0', (array['web','mobile','email','push'])[(1 + i % 4)::int],
       case when a in ('recommendation_impression', 'recommendation_click')
              then jsonb_build_object('algorithm', (array['collaborative','content_based','hybrid','trending'])[(1 + (i / 7) % 4)::int],
                                      'variant', case when i % 3 = 0 then 'b' else 'a' end)
            when a = 'rating_submit' then jsonb_build_object('rating', (1 + i % 5)::int)
            when a = 'movie_search' then jsonb_build_object('query', 'q' || i % 1000)
            else '{}'::jsonb end,
       now() - random() * interval '${DAYS} days'
  from (select i, (${ACTIONS})[(1 + (i * 31) % 16)::int] as a from generate_series($1::bigint, $2::bigint) as i) g`;

// The consumer's rules (src/ingest/metric-rules.ts) applied to the whole log at once, in day order as
// the consumer would have written them.
const ROWS = `(${logAsMetricRows('true')}) r`;
const ROLLUPS = [
  `insert into popularity_metrics (movie_id, date, view_count, like_count, rating_count, rating_sum, recommendation_count, click_count)
   select movie_id, day, ${POPULARITY_COUNTS} from ${ROWS} where movie_id is not null
    group by day, movie_id having ${POPULARITY_HAVING} order by day, movie_id`,
  `insert into recommendation_ctr_daily (date, algorithm, variant, impressions, clicks)
   select day, algorithm, variant, ${CTR_COUNTS} from ${ROWS} where ${CTR_ROWS} group by 1, 2, 3 order by 1, 2, 3`,
  `insert into daily_activity (date, events, active_users)
   select day, count(*), count(distinct user_id) from ${ROWS} group by day order by day`,
  `insert into movies (movie_id, title) select m, 'Movie ' || m from generate_series(1, ${MOVIES}) as m`,
  'vacuum analyze',
];

/** The log's secondary indexes as the migrations left them: dropped for the bulk load, then rebuilt. */
async function logIndexes(database: Database): Promise<{ name: string; create: string }[]> {
  const { rows } = await database.pool.query<{ name: string; def: string }>(
    `select indexname as name, indexdef as def from pg_indexes
      where schemaname = 'public' and tablename = 'user_activity_logs' and indexname <> 'user_activity_logs_pk'`,
  );
  // The parent's definition reads ON ONLY; created on the parent, the index is built on every partition.
  return rows.map((r) => ({ name: r.name, create: r.def.replace(' ON ONLY ', ' ON ') }));
}

/**
 * Fills a migrated analytics database with `rows` generated log rows and the daily tables built from them.
 * The indexes are built after the load (sorting beats 5M random inserts); the tables end up the same.
 */
export async function generateReportData(database: Database, rows: number, progress: (line: string) => void) {
  const { pool } = database;
  const first = monthStart(new Date(Date.now() - DAYS * 86_400_000));
  await createPartitions(
    database,
    Array.from({ length: 12 }, (_, i) => addMonths(first, i)),
  );
  const indexes = await logIndexes(database);
  for (const ix of indexes) await pool.query(`drop index if exists "${ix.name}"`);
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  for (let from = 1; from <= rows; from += CHUNK) {
    await pool.query(GENERATE, [from, Math.min(rows, from + CHUNK - 1)]);
    progress(`  generated ${Math.min(rows, from + CHUNK - 1)} rows (${elapsed()})`);
  }
  for (const ix of indexes) await pool.query(ix.create);
  progress(`  indexes built (${elapsed()})`);
  const client = await pool.connect();
  try {
    // Group-bys over 5M rows: in memory rather than spilling 4 MB sorts to disk.
    await client.query(`set work_mem = '256MB'`);
    for (const q of ROLLUPS) await client.query(q);
  } finally {
    client.release();
  }
  progress(`  daily tables built (${elapsed()})`);
}

const isoDay = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

export async function benchReports(
  infra: BenchInfra,
  rows: number,
  requests: number,
  progress: (line: string) => void,
): Promise<ReportTiming[]> {
  const runId = `bench_reports_${Date.now().toString(36)}`;
  const dbUrl = new URL(infra.adminUrl);
  dbUrl.pathname = `/${runId}`;
  const issuer = await startTestIssuer();
  const config = loadConfig('analytics', analyticsSchema, {
    DATABASE_URL: dbUrl.toString(),
    KAFKA_BROKERS: infra.kafkaBrokers,
    KAFKA_TOPIC_PREFIX: `${runId}.`,
    REDIS_URL: infra.redisUrl,
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: `${runId}.`,
    AUTH_JWKS_URL: issuer.jwksUrl,
    LOG_LEVEL: 'error',
    PORT: '0',
  });
  const analytics = await startAnalytics(config);
  try {
    await generateReportData(analytics.deps.database, rows, progress);

    const admin = {
      authorization: `Bearer ${await issuer.sign({ sub: '00000000-0000-4000-8000-0000000000ff', role: 'admin' })}`,
    };
    const user = (i: number) => `00000000-0000-4000-8000-${String((i * 7919) % USERS).padStart(12, '0')}`;
    const reports: [string, (i: number) => string][] = [
      [
        'movie metrics, 90 days',
        (i) => `/v1/admin/analytics/movies/${1 + (i % 50)}/metrics?from=${isoDay(90)}&to=${isoDay(0)}`,
      ],
      [
        'movie metrics, 300 days, CSV',
        (i) => `/v1/admin/analytics/movies/${1 + (i % 50)}/metrics?from=${isoDay(300)}&to=${isoDay(0)}&format=csv`,
      ],
      ['trending, 7-day window', (i) => `/v1/admin/analytics/trending?days=7&limit=20&date=${isoDay(i % 30)}`],
      [
        'CTR by algorithm, 30 days',
        (i) => `/v1/admin/analytics/click-through?from=${isoDay(30 + (i % 30))}&to=${isoDay(i % 30)}`,
      ],
      [
        'CTR by variant, 30 days',
        (i) => `/v1/admin/analytics/click-through?by=variant&from=${isoDay(30 + (i % 30))}&to=${isoDay(i % 30)}`,
      ],
      [
        'daily active users and events, 365 days',
        () => `/v1/admin/analytics/activity/daily?from=${isoDay(365)}&to=${isoDay(0)}`,
      ],
      ["a user's activity, first page of 50", (i) => `/v1/analytics/users/${user(i + 1)}/activity?limit=50`],
      ["a user's activity, all of it as CSV", (i) => `/v1/analytics/users/${user(i + 1)}/activity?format=csv`],
    ];
    const timings: ReportTiming[] = [];
    for (const [report, url] of reports) {
      for (let i = 0; i < 10; i += 1) await analytics.app.inject({ method: 'GET', url: url(i), headers: admin });
      const ms: number[] = [];
      for (let i = 0; i < requests; i += 1) {
        const t = performance.now();
        const res = await analytics.app.inject({ method: 'GET', url: url(i), headers: admin });
        ms.push(performance.now() - t);
        if (res.statusCode !== 200) throw new Error(`${report}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      }
      ms.sort((a, b) => a - b);
      timings.push({ report, p50: percentile(ms, 50), p99: percentile(ms, 99), requests });
      progress(`  ${report}: p99 ${percentile(ms, 99).toFixed(1)} ms`);
    }
    return timings;
  } finally {
    await analytics.close();
    await issuer.close();
    const root = openDatabase(infra.adminUrl, { max: 1 });
    await root.pool.query(`drop database if exists "${runId}" with (force)`);
    await root.close();
  }
}
