import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueDigests } from '../src/digest/claim-due-digests';
import {
  sharedPrefixes,
  startTestNotification,
  type TestNotification,
  adminQueries,
} from './fixtures/notification-env';

// The live scheduler's clock stands in 2025, before any preference here: the tests run it at chosen instants.
const before = { clock: () => new Date('2025-01-01T00:00:00Z') };
const env = (extra: Record<string, string> = {}) => ({
  ...sharedPrefixes('n_sched'),
  DIGEST_INTERVAL_MS: '3600000',
  ...extra,
});

let a: TestNotification;
let b: TestNotification;

beforeAll(async () => {
  a = await startTestNotification('n_sched', env(), before);
  b = await startTestNotification(
    'n_sched_b',
    env({ DATABASE_URL: a.env.DATABASE_URL as string, DATABASE_OWNER_URL: a.env.DATABASE_OWNER_URL as string }),
    before,
  );
});
afterAll(async () => {
  await b?.stop({ keepDatabase: true });
  await a?.stop();
});

const q = (text: string, values: unknown[] = []) => adminQueries(a.env.DATABASE_URL as string).q(text, values);

/** A user whose preferences exist since January 2026 (no digest is owed for before that). */
async function user(day: number, time: string, timezone: string): Promise<string> {
  const id = randomUUID();
  await q(
    `insert into notification_preferences (user_id, digest_day, digest_time, timezone, created_at)
     values ($1, $2, $3, $4, '2026-01-01T00:00:00Z')`,
    [id, day, time, timezone],
  );
  return id;
}

const claimsOf = async (id: string) =>
  (await q(`select week_start::text from digest_claims where user_id = $1 order by week_start`, [id])).rows.map(
    (r) => r.week_start,
  );
const digestLogs = async (id: string) =>
  (
    await q(
      `select payload->>'weekStart' as week from notification_logs where user_id = $1 and kind = 'weekly_digest'`,
      [id],
    )
  ).rows.length;
const at = (iso: string) => claimDueDigests(a.ctx, new Date(iso));

describe('weekly digest schedule', () => {
  it('When New York moves to daylight time, then a Monday 09:00 digest goes at 14:00 UTC before and 13:00 UTC after', async () => {
    const id = await user(1, '09:00', 'America/New_York');
    await at('2026-03-02T13:59:00Z');
    expect(await claimsOf(id)).toEqual([]);
    await at('2026-03-02T14:00:00Z');
    expect(await claimsOf(id)).toEqual(['2026-03-02']);
    await at('2026-03-09T12:59:00Z');
    expect(await claimsOf(id)).toEqual(['2026-03-02']);
    await at('2026-03-09T13:00:00Z');
    expect(await claimsOf(id)).toEqual(['2026-03-02', '2026-03-09']);
    expect(await digestLogs(id)).toBe(2);
  });

  it('When a Berlin digest time does not exist (spring gap) or happens twice (autumn), then it is sent once, just after the gap or at the second 02:30', async () => {
    const id = await user(7, '02:30', 'Europe/Berlin');
    await at('2026-03-29T01:29:00Z');
    expect(await claimsOf(id)).toEqual([]);
    // 02:30 does not exist on 29 March: 01:30 UTC is 03:30 CEST, the first instant after the gap.
    await at('2026-03-29T01:30:00Z');
    expect(await claimsOf(id)).toEqual(['2026-03-23']);
    // 25 October has 02:30 twice (00:30 and 01:30 UTC): the digest goes once.
    await at('2026-10-25T00:30:00Z');
    await at('2026-10-25T01:30:00Z');
    await at('2026-10-25T02:30:00Z');
    expect(await claimsOf(id)).toEqual(['2026-03-23', '2026-10-19']);
  });

  it('When two replicas run the scheduler at the same moment, then each user is claimed once', async () => {
    const ids = await Promise.all(Array.from({ length: 300 }, () => user(3, '08:00', 'Asia/Tokyo')));
    // Wednesday 2026-06-10 08:00 JST = 2026-06-09T23:00Z.
    const now = '2026-06-09T23:05:00Z';
    const counts = await Promise.all([
      claimDueDigests(a.ctx, new Date(now)),
      claimDueDigests(b.ctx, new Date(now)),
      claimDueDigests(a.ctx, new Date(now)),
      claimDueDigests(b.ctx, new Date(now)),
    ]);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(300);
    const logs = await q(
      `select user_id, count(*)::int as n from notification_logs where user_id = any($1::uuid[]) group by user_id`,
      [ids],
    );
    expect(logs.rowCount).toBe(300);
    expect(logs.rows.every((r) => r.n === 1)).toBe(true);
  });

  it('When no replica ran at the digest time, then a restart catches up within the window and never sends twice', async () => {
    const missed = await user(2, '10:00', 'UTC');
    const tooOld = await user(1, '10:00', 'UTC');
    await b.stop({ keepDatabase: true });
    b = await startTestNotification(
      'n_sched_b',
      env({ DATABASE_URL: a.env.DATABASE_URL as string, DATABASE_OWNER_URL: a.env.DATABASE_OWNER_URL as string }),
      before,
    );
    // Tuesday 2026-09-15 10:00 UTC was missed by 5 hours; Monday's 10:00 by 29, beyond the 24-hour window.
    await claimDueDigests(b.ctx, new Date('2026-09-15T15:00:00Z'));
    expect(await claimsOf(missed)).toEqual(['2026-09-14']);
    expect(await claimsOf(tooOld)).toEqual([]);
    await claimDueDigests(a.ctx, new Date('2026-09-15T16:00:00Z'));
    await claimDueDigests(b.ctx, new Date('2026-09-16T09:00:00Z'));
    expect(await claimsOf(missed)).toEqual(['2026-09-14']);
    expect(await digestLogs(missed)).toBe(1);
  });

  it("When the preferences are newer than this week's digest time, or the digest is off, then nothing is claimed", async () => {
    const fresh = randomUUID();
    await q(
      `insert into notification_preferences (user_id, digest_day, digest_time, timezone, created_at)
       values ($1, 4, '09:00', 'UTC', '2026-07-02T12:00:00Z')`,
      [fresh],
    );
    const off = await user(4, '09:00', 'UTC');
    await q('update notification_preferences set weekly_digest = false where user_id = $1', [off]);
    await at('2026-07-02T13:00:00Z');
    expect(await claimsOf(fresh)).toEqual([]);
    expect(await claimsOf(off)).toEqual([]);
    await at('2026-07-09T09:00:00Z');
    expect(await claimsOf(fresh)).toEqual(['2026-07-06']);
  });
});
