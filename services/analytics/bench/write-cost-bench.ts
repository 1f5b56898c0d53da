// `pnpm bench analytics-write-cost`: what the analytics ingest costs PostgreSQL (backend CPU and WAL) and Node per
// consumed event of issue 11's stream, one interaction.recorded and one recommendations.generated of 50 items per
// interaction (and the fold that counts the lists' impressions per movie), written as the consumer writes them (chunks of the app role's transactions) into a log that already
// holds rows, with every partition the default retention keeps.
import { buildEvent, type Envelope, InteractionRecorded, RecommendationsGenerated } from '@marquee/contracts';
import { openDatabase, prepareDatabase } from '@marquee/platform-db';
import { createRunRoles, dropRun, roleUrl } from '@marquee/platform-testing/run-roles';
import pg from 'pg';
import { processCpuMs as cpuMs } from '../../../bench/machine';
import { migrationsFolder } from '../src/db/open-analytics-database';
import { createPartitions } from '../src/db/partitions';
import { activityRowsOf } from '../src/domain/activity-rows';
import { IpPolicy } from '../src/domain/ip-policy';
import { addMonths, monthStart } from '../src/domain/months';
import { writeActivity } from '../src/ingest/write-activity';
import { foldImpressions } from '../src/jobs/fold-impressions';

export interface WriteCost {
  event: string;
  events: number;
  rows: number;
  pgCpuUs: number;
  walBytes: number;
  nodeCpuUs: number;
  msPerChunk: number;
}

// The log a few weeks into the month: impressions in lists of 50 sharing a time, a third interactions.
const PREFILL = `
insert into user_activity_logs (event_id, event_seq, user_id, session_id, action_type, movie_id, ip_address, user_agent, source, metadata, occurred_at)
select gen_random_uuid(), case when i % 3 = 0 then 0 else i % 50 end,
       ('00000000-0000-4000-8000-' || lpad(((i * 7919) % 50000)::text, 12, '0'))::uuid,
       case when i % 10 = 0 then 's-' || (i % 40000) end,
       case when i % 3 = 0 then 'movie_view' else 'recommendation_impression' end,
       1 + floor(10000 * power(random(), 3))::int,
       case when i % 10 = 0 then '203.0.' || (i % 256) || '.0/24' end,
       case when i % 10 = 0 then 'Mozilla/5.0' end,
       case when i % 3 = 0 then 'web' end,
       case when i % 3 = 0 then '{}'::jsonb
            else jsonb_build_object('algorithm', 'hybrid', 'rank', i % 50, 'score', 0.5, 'variant', 'a') end,
       date_trunc('month', now()) + (now() - date_trunc('month', now())) * ((i / 50) * 50)::float8 / $1::float8
  from generate_series(1, $1::bigint) as i`;

function streamOf(events: number): { interactions: Envelope[]; lists: Envelope[] } {
  const users = Array.from({ length: 2000 }, (_, i) => `0190a0b0-0000-7000-8000-${String(i + 1).padStart(12, '0')}`);
  const ctx = { correlationId: 'bench' };
  const user = (i: number) => users[i % users.length] as string;
  return {
    interactions: Array.from({ length: events }, (_, i) =>
      buildEvent(
        InteractionRecorded,
        user(i),
        {
          interactionId: `i-${i}`,
          userId: user(i),
          movieId: 1 + ((i * 7919) % 9742),
          interactionType: 'view',
          rating: null,
          feedbackType: null,
          hasFeedbackComment: false,
          previousRating: null,
          source: 'web',
          at: new Date().toISOString(),
        },
        ctx,
      ),
    ),
    lists: Array.from({ length: events }, (_, i) =>
      buildEvent(
        RecommendationsGenerated,
        user(i),
        {
          userId: user(i),
          algorithm: 'hybrid',
          variant: 'a',
          generatedAt: new Date().toISOString(),
          items: Array.from({ length: 50 }, (_, k) => ({
            movieId: 1 + ((i * 31 + k * 197) % 9742),
            score: 0.9 - k * 0.01,
            rank: k + 1,
          })),
        },
        ctx,
      ),
    ),
  };
}

export async function benchWriteCost(
  adminUrl: string,
  opts: { prefill: number; events: number; chunk: number; monthsBack: number },
  progress: (line: string) => void,
): Promise<WriteCost[]> {
  const runId = `rbenchwc${Date.now().toString(36)}`;
  const roles = await createRunRoles(adminUrl, runId);
  const database = `t_${runId}_analytics`;
  const ownerUrl = roleUrl(adminUrl, roles.owner, database);
  const appUrl = roleUrl(adminUrl, roles.app, database);
  const root = new pg.Client({ connectionString: adminUrl });
  await root.connect();
  try {
    await prepareDatabase({ appUrl, ownerUrl, migrationsFolder });
    const owner = openDatabase(ownerUrl, { max: 1 });
    const month = monthStart(new Date());
    await createPartitions(
      owner,
      Array.from({ length: opts.monthsBack + 4 }, (_, i) => addMonths(month, i - opts.monthsBack)),
    );
    await owner.close();
    // The prefill passes row-level security as a superuser on the bench's database; indexes are built after it.
    const superUrl = new URL(adminUrl);
    superUrl.pathname = `/${database}`;
    const filler = new pg.Client({ connectionString: superUrl.toString() });
    await filler.connect();
    const { rows: indexes } = await filler.query<{ name: string; def: string }>(
      `select indexname as name, indexdef as def from pg_indexes
        where tablename = 'user_activity_logs' and indexname <> 'user_activity_logs_pk'`,
    );
    for (const ix of indexes) await filler.query(`drop index "${ix.name}"`);
    await filler.query(PREFILL, [opts.prefill]);
    // The parent's definition reads ON ONLY; created on the parent, the index is built on every partition.
    for (const ix of indexes) await filler.query(ix.def.replace(' ON ONLY ', ' ON '));
    // The catalog's movies as the entities consumer projects them (the ingest probes them for deleted ones).
    await filler.query(
      `insert into movies (movie_id, title) select m, 'Movie ' || m from generate_series(1, 9742) as m`,
    );
    await filler.query('vacuum analyze');
    await filler.end();
    progress(`  ${opts.prefill} log rows, ${opts.monthsBack + 4} partitions`);

    const { interactions, lists } = streamOf(opts.events);
    const ip = IpPolicy.fromConfig('truncate', '', '');
    const app = new pg.Client({ connectionString: appUrl });
    await app.connect();
    const pid = (await app.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid as number;
    const lsn = async () =>
      BigInt(
        (await root.query<{ b: string }>(`select (pg_current_wal_lsn() - '0/0')::bigint::text as b`)).rows[0]?.b ?? '0',
      );
    /** What `work` cost: the backend's PostgreSQL CPU (ms), the WAL written, this process's CPU (µs), wall ms. */
    const measured = async <T>(backendPid: number, work: () => Promise<T>) => {
      const wal0 = await lsn();
      const cpu0 = cpuMs(backendPid);
      const node0 = process.cpuUsage();
      const started = performance.now();
      const result = await work();
      const ms = performance.now() - started;
      const node = process.cpuUsage(node0);
      return {
        result,
        pgMs: cpuMs(backendPid) - cpu0,
        wal: Number((await lsn()) - wal0),
        nodeUs: node.user + node.system,
        ms,
      };
    };
    const out: WriteCost[] = [];
    for (const [event, events] of [
      ['interaction.recorded', interactions],
      ['recommendations.generated (50 items)', lists],
    ] as const) {
      const m = await measured(pid, async () => {
        let rows = 0;
        for (let i = 0; i < events.length; i += opts.chunk) {
          await app.query(`begin; select set_config('marquee.all_users', 'on', true)`);
          rows += await writeActivity(app, events.slice(i, i + opts.chunk).flatMap(activityRowsOf), ip);
          await app.query('commit');
        }
        return rows;
      });
      const n = events.length;
      out.push({
        event,
        events: n,
        rows: m.result,
        pgCpuUs: (m.pgMs * 1000) / n,
        walBytes: m.wal / n,
        nodeCpuUs: m.nodeUs / n,
        msPerChunk: m.ms / Math.ceil(n / opts.chunk),
      });
      progress(`  ${event}: ${Math.round(out[out.length - 1]?.pgCpuUs ?? 0)} µs of PostgreSQL CPU per event`);
    }
    await app.end();
    // The lists' recommendation_count, folded as the service's job does every 2 s (at 1,000 lists/s about as many
    // lists as this bench wrote are queued per run).
    const folder = openDatabase(appUrl, { max: 1 });
    const folderPid = (await folder.pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]
      ?.pid as number;
    const fold = await measured(folderPid, () => foldImpressions(folder));
    const folded = Math.max(1, fold.result.lists);
    out.push({
      event: `fold of those lists (${fold.result.lists} in one run, ${fold.result.movies} movie-days), per list`,
      events: fold.result.lists,
      rows: 0,
      pgCpuUs: (fold.pgMs * 1000) / folded,
      walBytes: fold.wal / folded,
      nodeCpuUs: fold.nodeUs / folded,
      msPerChunk: fold.ms,
    });
    await folder.close();
    return out;
  } finally {
    await root.end();
    await dropRun(adminUrl, runId);
  }
}
