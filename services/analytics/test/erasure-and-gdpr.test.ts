import { randomBytes, randomUUID } from 'node:crypto';
import { requestJson, Subjects } from '@marquee/platform-bus';
import { adminPool, eventually, rowSecurityProblems } from '@marquee/platform-testing';
import { foldImpressions } from '../src/jobs/fold-impressions';
import { recomputeDay } from '../src/jobs/recompute-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsExport } from '../src/gdpr/export-over-nats';
import {
  type AnalyticsUnderTest,
  generated,
  interaction,
  movieDeleted,
  movieUpserted,
  pageView,
  startTestAnalytics,
  userDeleted,
  waitForLogRows,
} from './helper';

let a: AnalyticsUnderTest;
beforeAll(async () => {
  a = await startTestAnalytics('analytics-erasure', {
    ANALYTICS_IP_POLICY: 'encrypt',
    ANALYTICS_IP_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    ANALYTICS_IP_ACTIVE_KID: 'k1',
  });
});
afterAll(async () => {
  await a?.stop();
});

const now = (offsetMs = 0) => new Date(Date.now() - 60_000 + offsetMs).toISOString();
const today = new Date().toISOString().slice(0, 10);

describe('personal data in analytics', () => {
  it('when the policy is encrypt, then ip_address holds no readable address and the export reveals the prefix', async () => {
    const user = randomUUID();
    await a.publish(pageView({ userId: user, movieId: 41, at: now(), ip: '192.0.2.55' }));
    await waitForLogRows(a, 'user_id = $1', [user], 1);
    const [row] = await a.sql<{ ip_address: string }>('select ip_address from user_activity_logs where user_id = $1', [
      user,
    ]);
    expect(row?.ip_address).toMatch(/^v1:k1:/);
    expect(row?.ip_address).not.toContain('192.0.2');

    const exported = await requestJson<AnalyticsExport>(
      a.deps.nats,
      `${a.env.NATS_SUBJECT_PREFIX}${Subjects.gdprExport('analytics')}`,
      { userId: user },
      5000,
    );
    expect(exported).toMatchObject({ service: 'analytics', userId: user, truncated: false });
    expect(exported.activity).toEqual([
      expect.objectContaining({ actionType: 'movie_view', movieId: 41, ipAddress: '192.0.2.0/24', sessionId: 's1' }),
    ]);
  });

  it('when user.deleted arrives, then their rows lose user id, IP and session but the day totals stay', async () => {
    const user = randomUUID();
    const other = randomUUID();
    const session = `sess-${randomUUID()}`;
    await a.publish(
      pageView({ userId: null, sessionId: session, movieId: 51, at: now() }),
      pageView({ userId: user, sessionId: session, movieId: 51, at: now(1) }),
      interaction({ userId: user, movieId: 51, type: 'like', at: now(2) }),
      pageView({ userId: other, movieId: 51, at: now(3) }),
    );
    await waitForLogRows(a, 'movie_id = 51', [], 4);
    const before = await a.sql<{ events: string; active_users: number }>(
      'select events, active_users from daily_activity where date = $1',
      [today],
    );
    await a.publish(userDeleted(user));
    await eventually(async () => (await a.sql('select 1 from erased_users where user_id = $1', [user])).length === 1, {
      what: 'user.deleted applied',
    });

    const rows = await a.sql<Record<string, unknown>>(
      'select user_id, session_id, ip_address, user_agent from user_activity_logs where movie_id = 51 order by user_id nulls first',
    );
    expect(rows.filter((r) => r.user_id === null)).toHaveLength(3);
    expect(rows.filter((r) => r.user_id === null).every((r) => !r.session_id && !r.ip_address && !r.user_agent)).toBe(
      true,
    );
    expect(rows.find((r) => r.user_id === other)).toMatchObject({ session_id: 's1' });
    expect(await a.sql('select 1 from daily_active_users where user_id = $1', [user])).toEqual([]);
    expect(await a.sql('select events, active_users from daily_activity where date = $1', [today])).toEqual(before);
    const [metric] = await a.sql<{ view_count: number; like_count: number }>(
      'select view_count, like_count from popularity_metrics where movie_id = 51',
    );
    expect(metric).toEqual({ view_count: 3, like_count: 1 });

    // A late event of the erased user arrives anonymised.
    await a.publish(pageView({ userId: user, movieId: 52, at: now(4), ip: '192.0.2.9' }));
    await waitForLogRows(a, 'movie_id = 52', [], 1);
    expect(await a.sql('select user_id, ip_address, session_id from user_activity_logs where movie_id = 52')).toEqual([
      { user_id: null, ip_address: null, session_id: null },
    ]);
  });

  it('when movie.deleted arrives, then its log rows keep their place without the movie and its metrics go', async () => {
    const user = randomUUID();
    await a.publish(
      movieUpserted(61, 'Gone Tomorrow'),
      pageView({ userId: user, movieId: 61, at: now() }),
      generated({ userId: user, algorithm: 'trending', movieIds: [61, 62], at: now(1) }),
    );
    await waitForLogRows(a, 'user_id = $1', [user], 2);
    await eventually(
      async () => (await a.sql(`select 1 from movies where movie_id = 61 and title = 'Gone Tomorrow'`)).length === 1,
    );
    await foldImpressions(a.deps.database);
    await a.publish(movieDeleted(61));
    await eventually(async () => (await a.sql('select 1 from popularity_metrics where movie_id = 61')).length === 0, {
      what: 'popularity rows of the deleted movie dropped',
    });
    const rows = await a.sql<{ movie_id: number | null; action_type: string; ids: unknown }>(
      `select movie_id, action_type, metadata->'movieIds' as ids from user_activity_logs where user_id = $1
        order by action_type`,
      [user],
    );
    // The view without its movie; the list keeps its length (its impressions still count for the algorithm's CTR).
    expect(rows).toEqual([
      { movie_id: null, action_type: 'movie_view', ids: null },
      { movie_id: null, action_type: 'recommendation_impression', ids: [null, 62] },
    ]);
    expect(await a.sql('select movie_id from popularity_metrics where movie_id in (61, 62)')).toEqual([
      { movie_id: 62 },
    ]);
    expect((await recomputeDay(a.deps.database, new Date().toISOString().slice(0, 10))).differences).toEqual([]);
  });

  it('When the schema is read, then the user-owned tables force row-level security and a query without a user sees none', async () => {
    const root = adminPool(a.env.DATABASE_URL as string);
    try {
      expect(await rowSecurityProblems(root)).toEqual([]);
      const stored = await root.query('select count(*)::int as n from user_activity_logs where user_id is not null');
      expect(stored.rows[0].n).toBeGreaterThan(0);
    } finally {
      await root.end();
    }
    const asApp = await a.deps.database.pool.query('select count(*)::int as n from user_activity_logs');
    expect(asApp.rows[0].n).toBe(0);
  });
});
