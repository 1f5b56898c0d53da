import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@marquee/platform-testing';
import { type ActivityRow, activityRowsOf } from '../src/domain/activity-rows';
import { recomputeDay } from '../src/jobs/recompute-metrics';
import { writeActivity } from '../src/ingest/write-activity';
import {
  type AnalyticsUnderTest,
  clicked,
  emailOpened,
  generated,
  interaction,
  monthBoundary,
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
    await waitForLogRows(a, 'user_id = $1', [user], 5);
    const ctr = async () =>
      (
        await a.sql<{ ctr: number; clicks: number; shown: number }>(
          'select click_through_rate as ctr, click_count as clicks, recommendation_count as shown from popularity_metrics where movie_id = $1',
          [movieId],
        )
      )[0];
    expect(await ctr()).toEqual({ ctr: 1, clicks: 1, shown: 1 });

    // The same envelope again (a producer retry or a replay), then a marker event to know it was consumed.
    const marker = pageView({ userId: user, movieId: 2002, at: now(2000) });
    await a.publish(click, impressions, marker);
    await waitForLogRows(a, 'user_id = $1', [user], 6);
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
    await waitForLogRows(a, 'user_id = any($1::uuid[])', [users], users.length * 11);
    await waitForLogRows(a, `session_id like 'anon-%'`, [], 3);

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

  it('when a list of recommendations is ingested, then each movie is an impression row with its position, rank and score', async () => {
    const user = randomUUID();
    const movieIds = [4101, 4102, 4103, 4104];
    await a.publish(generated({ userId: user, algorithm: 'content_based', movieIds, at: now(), variant: 'wide' }));
    await waitForLogRows(a, 'user_id = $1', [user], 4);
    const rows = await a.sql<Record<string, unknown>>(
      `select event_seq, movie_id, action_type, source, session_id, metadata from user_activity_logs
        where user_id = $1 order by event_seq`,
      [user],
    );
    expect(rows).toEqual(
      movieIds.map((movieId, i) => ({
        event_seq: i,
        movie_id: movieId,
        action_type: 'recommendation_impression',
        source: null,
        session_id: null,
        metadata: { algorithm: 'content_based', rank: i + 1, score: 0.9 - i * 0.1, variant: 'wide' },
      })),
    );
  });

  it('when two writers insert the same event at once, then the second fails instead of counting it twice', async () => {
    const user = randomUUID();
    const rows = activityRowsOf(generated({ userId: user, algorithm: 'trending', movieIds: [4201, 4202], at: now() }));
    const ip = a.ctx.ipPolicy;
    const first = await a.deps.database.pool.connect();
    const second = await a.deps.database.pool.connect();
    try {
      for (const c of [first, second]) await c.query(`begin; select set_config('marquee.all_users', 'on', true)`);
      expect(await writeActivity(first, rows, ip)).toBe(2);
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
    const [shown] = await a.sql<{ shown: number }>(
      'select recommendation_count as shown from popularity_metrics where movie_id = 4201 and date = $1',
      [today],
    );
    expect(shown).toEqual({ shown: 1 });
  });

  it('when an event makes several rows and one has no movie, then that row is stored without one', async () => {
    const user = randomUUID();
    const [first] = activityRowsOf(generated({ userId: user, algorithm: 'trending', movieIds: [4301], at: now() }));
    const rows = [0, 1, 2].map((seq) => ({ ...(first as ActivityRow), seq, movieId: seq === 1 ? null : 4301 + seq }));
    const client = await a.deps.database.pool.connect();
    try {
      await client.query(`begin; select set_config('marquee.all_users', 'on', true)`);
      expect(await writeActivity(client, rows, a.ctx.ipPolicy)).toBe(3);
      await client.query('commit');
    } finally {
      client.release();
    }
    expect(
      await a.sql('select event_seq, movie_id from user_activity_logs where user_id = $1 order by event_seq', [user]),
    ).toEqual([
      { event_seq: 0, movie_id: 4301 },
      { event_seq: 1, movie_id: null },
      { event_seq: 2, movie_id: 4303 },
    ]);
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
