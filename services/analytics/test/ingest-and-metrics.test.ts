import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '@marquee/platform-metrics';
import { eventually } from '@marquee/platform-testing';
import { activityRowsOf } from '../src/domain/activity-rows';
import { foldImpressions } from '../src/jobs/fold-impressions';
import { recomputeDay } from '../src/jobs/recompute-metrics';
import { WRITE_SQL, writeActivity } from '../src/ingest/write-activity';
import {
  type AnalyticsUnderTest,
  clicked,
  emailOpened,
  generated,
  interaction,
  monthBoundary,
  movieDeleted,
  pageView,
  search,
  startTestAnalytics,
  waitForLogRows,
} from './helper';

let a: AnalyticsUnderTest;
beforeAll(async () => {
  a = await startTestAnalytics('analytics-ingest');
});
afterAll(async () => {
  await a?.stop();
});

const today = new Date().toISOString().slice(0, 10);
const now = (offsetMs = 0) => new Date(Date.now() - 60_000 + offsetMs).toISOString();

describe('analytics ingest', () => {
  it('when events fall on both sides of a month boundary, then each lands in its own month partition', async () => {
    const b = monthBoundary();
    const user = randomUUID();
    await a.publish(
      pageView({ userId: user, movieId: 11, at: b.lastMs }),
      pageView({ userId: user, movieId: 11, at: b.firstMs }),
    );
    await waitForLogRows(a, 'user_id = $1', [user], 2);
    const rows = await a.sql<{ partition: string; occurred_at: Date }>(
      'select tableoid::regclass::text as partition, occurred_at from user_activity_logs where user_id = $1 order by occurred_at',
      [user],
    );
    expect(rows.map((r) => r.partition)).toEqual([b.previousPartition, b.currentPartition]);
    expect(rows.map((r) => r.occurred_at.toISOString())).toEqual([b.lastMs, b.firstMs]);
  });

  it('when a click is redelivered, then the click-through rate does not change', async () => {
    const user = randomUUID();
    const movieId = 2001;
    const impressions = generated({
      userId: user,
      algorithm: 'hybrid',
      movieIds: [movieId, 2002, 2003, 2004],
      at: now(),
    });
    const click = clicked({ userId: user, algorithm: 'hybrid', movieId, at: now(1000) });
    await a.publish(impressions, click);
    await waitForLogRows(a, 'user_id = $1', [user], 2);
    const ctr = async () => {
      await foldImpressions(a.deps.database);
      return (
        await a.sql<{ ctr: number; clicks: number; shown: number }>(
          'select click_through_rate as ctr, click_count as clicks, recommendation_count as shown from popularity_metrics where movie_id = $1',
          [movieId],
        )
      )[0];
    };
    expect(await ctr()).toEqual({ ctr: 1, clicks: 1, shown: 1 });

    // The same envelope again (a producer retry or a replay), then a marker event to know it was consumed.
    const marker = pageView({ userId: user, movieId: 2002, at: now(2000) });
    await a.publish(click, impressions, marker);
    await waitForLogRows(a, 'user_id = $1', [user], 3);
    expect(await ctr()).toEqual({ ctr: 1, clicks: 1, shown: 1 });
    const [daily] = await a.sql<{ impressions: number; clicks: number }>(
      `select impressions, clicks from recommendation_ctr_daily where algorithm = 'hybrid' and variant = '' and date = $1`,
      [today],
    );
    expect(daily).toEqual({ impressions: 4, clicks: 1 });
  });

  it('when a mixed stream (with duplicates) has been ingested, then recomputing the day agrees with the incremental metrics', async () => {
    const users = [randomUUID(), randomUUID(), randomUUID()];
    const events = users.flatMap((u, i) => [
      pageView({ userId: u, movieId: 3001, at: now(i) }),
      pageView({ userId: null, sessionId: `anon-${i}`, movieId: 3002, at: now(i) }),
      search({ userId: u, query: `space ${i}`, at: now(i) }),
      interaction({ userId: u, movieId: 3001, type: 'like', at: now(i) }),
      interaction({ userId: u, movieId: 3001, type: 'rating', rating: i + 3, at: now(i) }),
      interaction({ userId: u, movieId: 3003, type: 'watchlist', at: now(i) }),
      interaction({ userId: u, movieId: 3003, type: 'view', at: now(i) }),
      generated({
        userId: u,
        algorithm: 'collaborative',
        movieIds: [3001, 3002, 3003],
        at: now(i),
        variant: i % 2 ? 'b' : 'a',
      }),
      clicked({ userId: u, algorithm: 'collaborative', movieId: 3002, at: now(i + 10), variant: i % 2 ? 'b' : 'a' }),
      emailOpened({ userId: u, movieId: 3003, at: now(i) }),
    ]);
    await a.publish(...events, ...events.slice(0, 7));
    // Per user: 9 events of one row each (the list of three impressions is one row).
    await waitForLogRows(a, 'user_id = any($1::uuid[])', [users], users.length * 9);
    await waitForLogRows(a, `session_id like 'anon-%'`, [], 3);
    // Before the fold the queued lists count as stored, so the check agrees either way.
    expect((await recomputeDay(a.deps.database, today)).differences).toEqual([]);
    await foldImpressions(a.deps.database);

    const [m] = await a.sql<Record<string, number>>(
      'select view_count, like_count, rating_count, avg_rating, recommendation_count, click_count from popularity_metrics where movie_id = 3001',
    );
    expect(m).toEqual({
      view_count: 3,
      like_count: 3,
      rating_count: 3,
      avg_rating: 4,
      recommendation_count: 3,
      click_count: 0,
    });

    const report = await recomputeDay(a.deps.database, today);
    expect(report.differences).toEqual([]);
    expect(report.rowsChecked).toBeGreaterThan(5);

    // The check can fail: a metric moved behind the log's back is reported with both values.
    await a.sql(`update popularity_metrics set view_count = view_count + 5 where movie_id = 3002 and date = $1`, [
      today,
    ]);
    const tampered = await recomputeDay(a.deps.database, today);
    expect(tampered.differences).toEqual([
      { table: 'popularity_metrics', key: '3002', field: 'view_count', stored: 8, recomputed: 3 },
    ]);
    await a.sql(`update popularity_metrics set view_count = view_count - 5 where movie_id = 3002 and date = $1`, [
      today,
    ]);
  });

  it('when a list of recommendations is ingested, then it is one impression row with its movies, ranks and scores', async () => {
    const user = randomUUID();
    const movieIds = [4101, 4102, 4103, 4104];
    await a.publish(generated({ userId: user, algorithm: 'content_based', movieIds, at: now(), variant: 'wide' }));
    await waitForLogRows(a, 'user_id = $1', [user], 1);
    const rows = await a.sql<Record<string, unknown>>(
      `select event_seq, movie_id, action_type, source, session_id, metadata from user_activity_logs where user_id = $1`,
      [user],
    );
    expect(rows).toEqual([
      {
        event_seq: 0,
        movie_id: null,
        action_type: 'recommendation_impression',
        source: null,
        session_id: null,
        metadata: {
          algorithm: 'content_based',
          variant: 'wide',
          movieIds,
          ranks: [1, 2, 3, 4],
          scores: movieIds.map((_, i) => 0.9 - i * 0.1),
        },
      },
    ]);
    // Each movie on it counts one impression once the scheduled fold has run.
    const shown = async () =>
      a.sql<{ movie_id: number; shown: number }>(
        `select movie_id, recommendation_count as shown from popularity_metrics
          where movie_id = any($1::int4[]) and date = $2 order by movie_id`,
        [movieIds, today],
      );
    await eventually(async () => ((await shown()).length === movieIds.length ? true : undefined), {
      what: 'the list counted by the scheduled fold',
    });
    expect(await shown()).toEqual(movieIds.map((movie_id) => ({ movie_id, shown: 1 })));
    // An operator sees the fold work and the queue it leaves.
    const scraped = parseExposition((await a.app.inject({ method: 'GET', url: '/metrics' })).body);
    const value = (name: string) => scraped.find((x) => x.name === name)?.value;
    expect(value('analytics_impression_lists_folded_total')).toBeGreaterThanOrEqual(1);
    expect(value('analytics_impressions_pending')).toBeGreaterThanOrEqual(0);
    expect(value('analytics_impression_fold_failures_total')).toBe(0);
  });

  it('when a list names a movie that was deleted, then the list keeps its place with a null there and only the others count', async () => {
    const user = randomUUID();
    await a.publish(movieDeleted(4152));
    // Another topic and consumer: the list is sent once the deletion is known.
    await eventually(async () => (await a.sql('select 1 from movies where movie_id = 4152 and deleted')).length === 1, {
      what: 'movie 4152 known as deleted',
    });
    await a.publish(generated({ userId: user, algorithm: 'hybrid', movieIds: [4151, 4152, 4153], at: now() }));
    await waitForLogRows(a, 'user_id = $1', [user], 1);
    const [row] = await a.sql<{ ids: unknown }>(
      `select metadata->'movieIds' as ids from user_activity_logs where user_id = $1`,
      [user],
    );
    expect(row?.ids).toEqual([4151, null, 4153]);
    await foldImpressions(a.deps.database);
    const shown = await a.sql<{ movie_id: number }>(
      `select movie_id from popularity_metrics where movie_id between 4151 and 4153 and date = $1 order by movie_id`,
      [today],
    );
    expect(shown.map((r) => r.movie_id)).toEqual([4151, 4153]);
    const report = await recomputeDay(a.deps.database, today);
    expect(report.differences).toEqual([]);
  });

  it('when two folds run at once over queued lists, then each list is counted once', async () => {
    const users = Array.from({ length: 40 }, () => randomUUID());
    const rows = users.flatMap((u) =>
      activityRowsOf(generated({ userId: u, algorithm: 'hybrid', movieIds: [4251, 4252, 4253], at: now() })),
    );
    // Written straight (no consumer, no scheduled fold in between): the 40 lists wait in the queue together.
    const client = await a.deps.database.pool.connect();
    try {
      await client.query(`begin; select set_config('marquee.all_users', 'on', true)`);
      expect(await writeActivity(client, rows, a.ctx.ipPolicy)).toBe(40);
      await client.query('commit');
    } finally {
      client.release();
    }
    // With the scheduled fold also running: together nothing is counted twice or lost.
    await Promise.all([
      foldImpressions(a.deps.database, 7),
      foldImpressions(a.deps.database, 7),
      foldImpressions(a.deps.database, 7),
    ]);
    const counts = await a.sql<{ movie_id: number; shown: number }>(
      `select movie_id, recommendation_count as shown from popularity_metrics
        where movie_id in (4251, 4252, 4253) and date = $1 order by movie_id`,
      [today],
    );
    expect(counts).toEqual([4251, 4252, 4253].map((movie_id) => ({ movie_id, shown: 40 })));
    expect(await a.sql(`select 1 from impressions_pending where movie_ids @> '[4251]'`)).toEqual([]);
  });

  it('when two writers insert the same event at once, then the second fails instead of counting it twice', async () => {
    const user = randomUUID();
    const rows = activityRowsOf(generated({ userId: user, algorithm: 'trending', movieIds: [4201, 4202], at: now() }));
    const ip = a.ctx.ipPolicy;
    const first = await a.deps.database.pool.connect();
    const second = await a.deps.database.pool.connect();
    try {
      for (const c of [first, second]) await c.query(`begin; select set_config('marquee.all_users', 'on', true)`);
      expect(await writeActivity(first, rows, ip)).toBe(1);
      const secondPid = (await second.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
      const racing = writeActivity(second, rows, ip).then(
        () => 'written',
        (err: { code?: string }) => err.code,
      );
      // The second insert waits on the first's uncommitted key before the first commits.
      await eventually(
        async () =>
          (
            await a.sql<{ w: string }>('select wait_event_type as w from pg_stat_activity where pid = $1', [secondPid])
          )[0]?.w === 'Lock',
        { what: 'the second writer waiting on the first' },
      );
      await first.query('commit');
      // The consumer rolls back and writes that chunk again one event at a time: then it counts nothing.
      expect(await racing).toBe('23505');
      await second.query('rollback');
      await second.query(`begin; select set_config('marquee.all_users', 'on', true)`);
      expect(await writeActivity(second, rows, ip)).toBe(0);
      await second.query('commit');
    } finally {
      first.release();
      second.release();
    }
    await foldImpressions(a.deps.database);
    const [shown] = await a.sql<{ shown: number }>(
      'select recommendation_count as shown from popularity_metrics where movie_id = 4201 and date = $1',
      [today],
    );
    expect(shown).toEqual({ shown: 1 });
  });

  it('when the plan is generic and the month is large, then the redelivery probe still looks each key up', async () => {
    // Rows the statistics have not seen yet (as after a month begins): the plan a connection caches must not scan.
    const client = await a.deps.database.pool.connect();
    try {
      await client.query(`begin; select set_config('marquee.all_users', 'on', true)`);
      const rows = Array.from({ length: 3000 }, (_, i) =>
        activityRowsOf(pageView({ userId: randomUUID(), movieId: 1 + (i % 50), at: now(i) })),
      ).flat();
      expect(await writeActivity(client, rows, a.ctx.ipPolicy)).toBe(3000);
      await client.query('commit');
      await client.query(`begin; select set_config('marquee.all_users', 'on', true)`);
      await client.query('set local plan_cache_mode = force_generic_plan');
      await client.query(`prepare probe_plan(jsonb) as ${WRITE_SQL}`);
      const { rows: plan } = await client.query<{ 'QUERY PLAN': string }>(`explain execute probe_plan('[]')`);
      await client.query('deallocate probe_plan');
      await client.query('rollback');
      const text = plan.map((r) => r['QUERY PLAN']).join('\n');
      expect(text).toMatch(/Index Scan using user_activity_logs_p\d{4}_\d{2}_pkey/);
      expect(text).not.toMatch(/Seq Scan on user_activity_logs_p/);
    } finally {
      client.release();
    }
  });

  it('when activity carries an address, then ip_address keeps only the network prefix', async () => {
    const user = randomUUID();
    await a.publish(pageView({ userId: user, movieId: 12, at: now(), ip: '198.51.100.77' }));
    await waitForLogRows(a, 'user_id = $1', [user], 1);
    const [row] = await a.sql<Record<string, unknown>>(
      `select ip_address, session_id, user_agent, referer, source, action_type, movie_id, event_seq, metadata
         from user_activity_logs where user_id = $1`,
      [user],
    );
    expect(row?.ip_address).toBe('198.51.100.0/24');
    // Every field travels (the statement reads short keys and leaves out nulls).
    expect(row).toMatchObject({
      session_id: 's1',
      user_agent: 'test-agent/1.0',
      referer: null,
      source: 'web',
      action_type: 'movie_view',
      movie_id: 12,
      event_seq: 0,
      metadata: {},
    });
  });

  it('when the service starts, then this month and the configured months ahead have partitions', async () => {
    const rows = await a.sql<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'user_activity_logs'::regclass`,
    );
    const names = rows.map((r) => r.name);
    const d = new Date();
    for (let i = 0; i <= a.config.ANALYTICS_PARTITIONS_AHEAD; i += 1) {
      const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + i, 1));
      expect(names).toContain(
        `user_activity_logs_p${m.getUTCFullYear()}_${String(m.getUTCMonth() + 1).padStart(2, '0')}`,
      );
    }
  });
});
