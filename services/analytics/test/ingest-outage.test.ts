import { randomUUID } from 'node:crypto';
import { type Database, openDatabase } from '@marquee/platform-db';
import { eventually, type TcpProxy, tcpProxy } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActivityIngest, startActivityIngest } from '../src/consumers/activity-ingest';
import { PartitionCache } from '../src/db/partitions';
import { type AnalyticsUnderTest, pageView, startTestAnalytics, waitForLogRows } from './helper';

let a: AnalyticsUnderTest;
let proxy: TcpProxy;
let database: Database;
let ingest: ActivityIngest | undefined;
beforeAll(async () => {
  a = await startTestAnalytics('analytics-outage');
  // PostgreSQL through a proxy that can go down and come back: an outage as the ingest's pool sees it, without
  // touching the run's shared server or roles.
  proxy = await tcpProxy(a.config.DATABASE_URL);
  database = openDatabase(proxy.url, { max: 2 });
});
afterAll(async () => {
  await ingest?.stop();
  await database?.close();
  await proxy?.close().catch(() => {});
  await a?.stop();
});

describe('analytics ingest during a database outage', () => {
  it('when the database is unreachable for longer than maxAttempts would allow, then the activity waits and is logged once, never sent to the DLQ', async () => {
    // The service's own ingest leaves the group to one that reaches the database only through the proxy.
    await a.consumers[0]?.stop();
    ingest = await startActivityIngest({
      kafka: a.deps.kafka,
      settings: a.deps.settings,
      database,
      logger: a.deps.logger,
      ipPolicy: a.ctx.ipPolicy,
      partitions: new PartitionCache(database, a.deps.logger),
      retentionMonths: a.config.ANALYTICS_RETENTION_MONTHS,
      maxAttempts: 2,
      retryBaseMs: 20,
    });
    const user = randomUUID();
    const first = pageView({ userId: user, movieId: 11, at: new Date(Date.now() - 60_000).toISOString() });
    await a.publish(first);
    await waitForLogRows(a, 'user_id = $1', [user], 1);

    await proxy.down();
    const retriesBefore = ingest.stats.retries;
    await a.publish(pageView({ userId: user, movieId: 12, at: new Date(Date.now() - 30_000).toISOString() }));
    // More failed tries than maxAttempts: with every one counted, the event would be in the DLQ by now.
    const running = ingest;
    await eventually(() => (running.stats.retries - retriesBefore >= 4 ? true : undefined), {
      what: 'four retries while the database is down',
      timeoutMs: 30_000,
    });
    await proxy.up();
    await waitForLogRows(a, 'user_id = $1', [user], 2);
    expect(ingest.stats.deadLettered).toBe(0);
    const rows = await a.sql<{ movie_id: number }>(
      'select movie_id from user_activity_logs where user_id = $1 order by movie_id',
      [user],
    );
    expect(rows.map((r) => r.movie_id)).toEqual([11, 12]);
  });
});
