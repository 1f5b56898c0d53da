// What storing waiting lists into user_recommendations costs PostgreSQL (backend CPU, WAL, full-page images), with
// the table as migrated beside the table as it was before migration 0006 (three more indexes, pages filled full).
// `pnpm bench recommendation-store-cost` runs it; see bench/recommendation-store-cost.ts.
import { randomUUID } from 'node:crypto';
import { forAllUsers, openDatabase, prepareDatabase } from '@marquee/platform-db';
import { createRunRoles, dropRun, roleUrl } from '@marquee/platform-testing/run-roles';
import { processCpuMs as cpuMs } from '../../../bench/machine';
import type { AlgorithmName } from '../src/domain/experiments';
import type { StoredList } from '../src/recommend/compute-lists';
import { queueLists, storeLists, takeWaiting } from '../src/recommend/store-lists';
import { migrationsFolder } from '../src/service';

/** user_recommendations as migrations 0000–0005 left it: the three indexes 0006 drops, and pages filled full. */
const BEFORE_0006 = [
  'CREATE INDEX "user_recommendations_user_score_idx" ON "user_recommendations" USING btree ("user_id","score" DESC)',
  'CREATE INDEX "user_recommendations_generated_at_idx" ON "user_recommendations" USING btree ("generated_at")',
  'CREATE INDEX "user_recommendations_algorithm_idx" ON "user_recommendations" USING btree ("algorithm")',
  'ALTER TABLE "user_recommendations" RESET (fillfactor)',
];

export interface StoreCostOptions {
  users: number;
  rounds: number;
  /** Items that leave each list per round (as many new ones enter); the others move down as many ranks. */
  churn: number;
  /** Lists per store transaction (the store job's batch). */
  batch: number;
}

export interface StoreCost {
  variant: 'before 0006' | 'migrated';
  lists: number;
  /** Per stored list, over the rounds after the first (which only inserts). */
  pgCpuUs: number;
  walBytes: number;
  walRecords: number;
  fullPageImages: number;
  msPerBatch: number;
  hotUpdates: number;
  updates: number;
  tableBytes: number;
}

const MOVIES = 9742;
const LIST = 50;

/**
 * User u's list in round r: a window of LIST movies sliding `churn` places along the user's own sequence of movies,
 * so each round `churn` leave, `churn` enter, and every other item moves `churn` ranks down (its rank, score and
 * reason change: the row is rewritten), as a fold-in that moves a list's best does. The interactions bench saw ~37
 * rewritten, ~11 inserted and ~8 deleted rows per stored list.
 */
function listOf(userId: string, u: number, r: number, churn: number, algorithm: AlgorithmName): StoredList {
  const movie = (k: number) => 1 + ((u * 7919 + k * 104729) % MOVIES);
  const start = r * churn;
  return {
    userId,
    algorithm,
    variant: 'default',
    generatedAt: new Date(Date.UTC(2026, 0, 1) + r * 60_000).toISOString(),
    items: Array.from({ length: LIST }, (_, i) => {
      const k = start + LIST - 1 - i; // newest first: the items that entered this round lead the list
      return {
        movieId: movie(k),
        title: '',
        score: Math.fround(1 - i / LIST),
        rank: i + 1,
        reason: `Because you liked Movie ${movie(k + 3)} (round ${r})`,
      };
    }),
  };
}

export async function benchStoreCost(
  adminUrl: string,
  opts: StoreCostOptions,
  progress: (line: string) => void,
): Promise<StoreCost[]> {
  const runId = `rbenchsc${Date.now().toString(36)}`;
  const roles = await createRunRoles(adminUrl, runId);
  const root = openDatabase(adminUrl, { max: 1 }).pool;
  const opened: Array<{ close(): Promise<unknown> }> = [];
  try {
    const variants = [] as Array<{
      variant: StoreCost['variant'];
      db: ReturnType<typeof openDatabase>;
      pid: number;
      superClient: ReturnType<typeof openDatabase>['pool'];
      totals: { cpuMs: number; wal: bigint; records: number; fpi: number; ms: number; batches: number; lists: number };
    }>;
    for (const variant of ['before 0006', 'migrated'] as const) {
      const database = `t_${runId}_${variant === 'migrated' ? 'after' : 'before'}`;
      await prepareDatabase({
        appUrl: roleUrl(adminUrl, roles.app, database),
        ownerUrl: roleUrl(adminUrl, roles.owner, database),
        migrationsFolder,
      });
      const superUrl = new URL(adminUrl);
      superUrl.pathname = `/${database}`;
      const superDb = openDatabase(superUrl.toString(), { max: 1 });
      opened.push(superDb);
      const superClient = superDb.pool;
      if (variant === 'before 0006') for (const statement of BEFORE_0006) await superClient.query(statement);
      await superClient.query(
        `insert into rec_movies (movie_id, title) select m, 'Movie ' || m from generate_series(1, ${MOVIES}) as m`,
      );
      const db = openDatabase(roleUrl(adminUrl, roles.app, database), { max: 1 });
      opened.push(db);
      const pid = (await db.pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid as number;
      variants.push({
        variant,
        db,
        pid,
        superClient,
        totals: { cpuMs: 0, wal: 0n, records: 0, fpi: 0, ms: 0, batches: 0, lists: 0 },
      });
    }
    const users = Array.from({ length: opts.users }, () => randomUUID());
    const wal = async () => {
      const { rows } = await root.query<{ lsn: string; records: string; fpi: string }>(
        `select (pg_current_wal_lsn() - '0/0')::bigint::text as lsn, wal_records::text as records, wal_fpi::text as fpi
         from pg_stat_wal`,
      );
      const row = rows[0] as { lsn: string; records: string; fpi: string };
      return { lsn: BigInt(row.lsn), records: Number(row.records), fpi: Number(row.fpi) };
    };
    for (let round = 0; round <= opts.rounds; round++) {
      // Alternate which variant goes first, so a drift of the machine within a round falls on both.
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) {
        // Marked outside the measurement (a fold-in does that); the outbox the store fills is emptied as the relay
        // would, also outside it.
        await v.superClient.query('delete from outbox');
        await forAllUsers(v.db.db, (tx) => queueLists(tx, users));
        const lists = new Map<string, StoredList>(
          users.map((id, u) => [id, listOf(id, u, round, opts.churn, 'hybrid')]),
        );
        await v.superClient.query('checkpoint');
        for (let i = 0; i < users.length; i += opts.batch) {
          const batch = users.slice(i, i + opts.batch);
          // A backend adds its WAL records to pg_stat_wal when it goes idle, at most once a second unless told to.
          await v.db.pool.query('select pg_stat_force_next_flush()');
          const w0 = await wal();
          const c0 = cpuMs(v.pid);
          const t0 = performance.now();
          // The store as storeWaitingLists runs it, but for the lists: this round's, not the model's (which reads the
          // users' feedback and computes them, costs this bench leaves out).
          const r = await forAllUsers(v.db.db, async (tx) => {
            const taken = await takeWaiting(tx, { users: batch });
            const rows = await storeLists(
              tx,
              taken.map((id) => lists.get(id) as StoredList),
            );
            return { lists: taken.length, rows };
          });
          const ms = performance.now() - t0;
          const c1 = cpuMs(v.pid);
          await v.db.pool.query('select pg_stat_force_next_flush()');
          const w1 = await wal();
          if (r.lists !== batch.length) throw new Error(`${v.variant}: stored ${r.lists} lists of ${batch.length}`);
          if (round === 0) continue; // the first round only inserts: the table's steady state is what is measured
          v.totals.cpuMs += c1 - c0;
          v.totals.wal += w1.lsn - w0.lsn;
          v.totals.records += w1.records - w0.records;
          v.totals.fpi += w1.fpi - w0.fpi;
          v.totals.ms += ms;
          v.totals.batches++;
          v.totals.lists += r.lists;
        }
      }
      progress(`  round ${round} of ${opts.rounds} stored (${opts.users} lists in each database)`);
    }
    // A backend reports its table counters when it goes idle, at most once a second: closed, it has reported them.
    for (const v of variants) await v.db.close();
    const out: StoreCost[] = [];
    for (const v of variants) {
      const { rows } = await v.superClient.query<{ upd: string; hot: string; bytes: string }>(
        `select n_tup_upd::text as upd, n_tup_hot_upd::text as hot, pg_total_relation_size('user_recommendations')::text as bytes
         from pg_stat_user_tables where relname = 'user_recommendations'`,
      );
      const t = v.totals;
      const n = Math.max(1, t.lists);
      out.push({
        variant: v.variant,
        lists: t.lists,
        pgCpuUs: (t.cpuMs * 1000) / n,
        walBytes: Number(t.wal) / n,
        walRecords: t.records / n,
        fullPageImages: t.fpi / n,
        msPerBatch: t.ms / Math.max(1, t.batches),
        hotUpdates: Number(rows[0]?.hot ?? 0),
        updates: Number(rows[0]?.upd ?? 0),
        tableBytes: Number(rows[0]?.bytes ?? 0),
      });
    }
    return out;
  } finally {
    for (const o of opened.reverse()) await o.close().catch(() => undefined);
    await root.end();
    await dropRun(adminUrl, runId);
  }
}
