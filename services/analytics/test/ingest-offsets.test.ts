import { randomUUID } from 'node:crypto';
import { buildEvent, ActivityLogged } from '@marquee/contracts';
import { eventually } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActivityIngest, startActivityIngest } from '../src/consumers/activity-ingest';
import { PartitionCache } from '../src/db/partitions';
import { type AnalyticsUnderTest, pageView, startTestAnalytics, waitForLogRows } from './helper';

let a: AnalyticsUnderTest;
/** The ingest started in place of the service's own by the first test (the second test reads through it). */
let resumed: ActivityIngest | undefined;
beforeAll(async () => {
  a = await startTestAnalytics('analytics-offsets');
});
afterAll(async () => {
  await resumed?.stop();
  await a?.stop();
});

const now = () => new Date(Date.now() - 60_000).toISOString();

describe('analytics ingest offsets', () => {
  it('when the ingest stops and a new one starts in its group, then it resumes after what was written, reading nothing twice', async () => {
    const user = randomUUID();
    const first = Array.from({ length: 30 }, (_, i) => pageView({ userId: user, movieId: 100 + i, at: now() }));
    await a.publish(...first);
    await waitForLogRows(a, 'user_id = $1', [user], 30);
    const ingest = a.consumers[0];
    if (!ingest) throw new Error('no ingest consumer');
    await ingest.stop();

    const again = await startActivityIngest({
      kafka: a.deps.kafka,
      settings: a.deps.settings,
      database: a.deps.database,
      logger: a.deps.logger,
      ipPolicy: a.ctx.ipPolicy,
      partitions: new PartitionCache(a.deps.database, a.deps.logger),
      retentionMonths: a.config.ANALYTICS_RETENTION_MONTHS,
    });
    resumed = again;
    const later = Array.from({ length: 10 }, (_, i) => pageView({ userId: user, movieId: 200 + i, at: now() }));
    await a.publish(...later);
    await waitForLogRows(a, 'user_id = $1', [user], 40);
    // Only the later events reach the new consumer: the first 30 were committed before the stop.
    await eventually(async () => (again.stats.applied === 10 ? true : undefined), { what: '10 applied' });
    expect(again.stats.duplicates).toBe(0);
    const [views] = await a.sql<{ n: number }>(
      'select sum(view_count)::int as n from popularity_metrics where movie_id between 100 and 209',
    );
    expect(views?.n).toBe(40);
  });

  it('when activity text holds a NUL or a lone surrogate, then the row is logged with that text cleaned', async () => {
    const user = randomUUID();
    const event = buildEvent(
      ActivityLogged,
      user,
      {
        userId: user,
        sessionId: 'sess\u0000ion',
        actionType: 'movie_view',
        movieId: 7,
        ipPrefix: null,
        userAgent: 'agent \ud800 x',
        referer: 'https://example.test/\udc00',
        source: 'web',
        metadata: {},
        at: now(),
      },
      { correlationId: randomUUID() },
    );
    await a.publish(event);
    await waitForLogRows(a, 'user_id = $1', [user], 1);
    const [row] = await a.sql<{ session_id: string; user_agent: string; referer: string }>(
      'select session_id, user_agent, referer from user_activity_logs where user_id = $1',
      [user],
    );
    expect(row).toEqual({
      session_id: 'session',
      user_agent: 'agent \ufffd x',
      referer: 'https://example.test/\ufffd',
    });
    expect(a.consumers[0]?.stats.deadLettered ?? 0).toBe(0);
    expect(resumed?.stats.deadLettered ?? 0).toBe(0);
  });

  it('when events fall before the kept months or far in the future, then none of their rows is logged and they are counted', async () => {
    const ingest = (resumed ?? a.consumers[0]) as ActivityIngest | undefined;
    if (!ingest) throw new Error('no ingest consumer');
    const before = ingest.stats.outsideWindow;
    const user = randomUUID();
    const inFuture = new Date(Date.now() + 3 * 24 * 3_600_000).toISOString();
    const events = [
      ...Array.from({ length: 3 }, (_, i) =>
        pageView({ userId: user, movieId: 300 + i, at: '2010-06-01T12:00:00.000Z' }),
      ),
      ...Array.from({ length: 2 }, (_, i) => pageView({ userId: user, movieId: 310 + i, at: inFuture })),
      pageView({ userId: user, movieId: 320, at: now() }),
    ];
    await a.publish(...events);
    await waitForLogRows(a, 'user_id = $1', [user], 1);
    await eventually(async () => (ingest.stats.outsideWindow - before === 5 ? true : undefined), {
      what: '5 events outside the kept months counted',
    });
    const rows = await a.sql<{ movie_id: number }>('select movie_id from user_activity_logs where user_id = $1', [
      user,
    ]);
    expect(rows.map((r) => r.movie_id)).toEqual([320]);
    expect(ingest.stats.deadLettered).toBe(0);
  });

  it("when another group's dead letter is replayed onto the topic, then the ingest passes over the copy", async () => {
    const user = randomUUID();
    // The same page view twice as another group's replay would send it, under a new event id each: analytics' log
    // key would not catch them, only the header naming the group they are for does.
    await a.publishWithHeaders(
      { 'dlq-replayed-for': 'catalog', 'dlq-replayed-from': 'activity.v1.dlq/0/7' },
      pageView({ userId: user, movieId: 400, at: now() }),
      pageView({ userId: user, movieId: 401, at: now() }),
    );
    // Replayed for analytics itself: logged. Same key, so the same partition, after the two above.
    await a.publishWithHeaders(
      { 'dlq-replayed-for': 'analytics' },
      pageView({ userId: user, movieId: 402, at: now() }),
    );
    await waitForLogRows(a, 'user_id = $1 and movie_id = 402', [user], 1);
    const rows = await a.sql<{ movie_id: number }>('select movie_id from user_activity_logs where user_id = $1', [
      user,
    ]);
    expect(rows.map((r) => r.movie_id)).toEqual([402]);
  });
});
