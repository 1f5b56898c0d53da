import { randomBytes } from 'node:crypto';
import type { HttpApp } from '@marquee/platform-http';
import { eventually } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthProcess, startAuthProcess } from './fixtures/auth-process';
import {
  bearer,
  sharedPrefixes,
  startTestNotification,
  type TestNotification,
  adminQueries,
} from './fixtures/notification-env';

let auth: AuthProcess;
let n: TestNotification;
let app: HttpApp;

beforeAll(async () => {
  const shared = sharedPrefixes('n_prefs');
  auth = await startAuthProcess(shared);
  n = await startTestNotification('n_prefs', { ...shared, AUTH_JWKS_URL: auth.jwksUrl });
  app = n.app;
  await app.ready();
});
afterAll(async () => {
  await n?.stop();
  await auth?.stop();
});

const q = (text: string, values: unknown[] = []) => adminQueries(n.env.DATABASE_URL as string).q(text, values);
const prefs = (token: string) => app.inject({ url: '/v1/me/notification-preferences', headers: bearer(token) });
const patch = (token: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'PATCH', url: '/v1/me/notification-preferences', headers: bearer(token), payload });

describe('notification preferences', () => {
  it("When a user registers in auth, then user.registered creates the seed's defaults in the profile's timezone and a recipient row without contact details", async () => {
    const u = await auth.register({ timezone: 'America/New_York', preferredLanguage: 'es' });
    const row = await eventually(
      async () => (await q('select * from notification_preferences where user_id = $1', [u.userId])).rows[0],
      { what: 'preferences from user.registered', timeoutMs: 30_000 },
    );
    expect(row).toMatchObject({
      weekly_digest: true,
      recommendation_alerts: true,
      trending_alerts: false,
      push_recommendations: true,
      push_trending: false,
      digest_day: 1,
      digest_time: '09:00:00',
      timezone: 'America/New_York',
    });
    const recipient = (await q('select * from recipients where user_id = $1', [u.userId])).rows[0];
    expect(recipient).toMatchObject({ timezone: 'America/New_York', preferred_language: 'es', device_type: null });
    expect(JSON.stringify(recipient)).not.toContain(u.email);
    const res = await prefs(u.accessToken);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      weeklyDigest: true,
      digestDay: 1,
      digestTime: '09:00',
      timezone: 'America/New_York',
    });
  });

  it('When the signed-in user patches valid values, then they are stored and returned', async () => {
    const u = await auth.register();
    const res = await patch(u.accessToken, {
      digestDay: 7,
      digestTime: '18:30',
      timezone: 'Asia/Kolkata',
      trendingAlerts: true,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      digestDay: 7,
      digestTime: '18:30',
      timezone: 'Asia/Kolkata',
      trendingAlerts: true,
    });
    expect((await prefs(u.accessToken)).json()).toMatchObject({ digestDay: 7, digestTime: '18:30' });
  });

  it('When values are invalid, then 400 names each field and nothing changes', async () => {
    const u = await auth.register();
    const before = (await prefs(u.accessToken)).json();
    const cases: [Record<string, unknown>, string][] = [
      [{ digestDay: 8 }, 'body.digestDay'],
      [{ digestDay: 0 }, 'body.digestDay'],
      [{ digestTime: '24:00' }, 'body.digestTime'],
      [{ digestTime: '9:00' }, 'body.digestTime'],
      [{ timezone: 'Mars/Olympus_Mons' }, 'body.timezone'],
      [{ weeklyDigest: 'yes' }, 'body.weeklyDigest'],
      [{ isAdmin: true }, 'body.isAdmin'],
    ];
    for (const [payload, field] of cases) {
      const res = await patch(u.accessToken, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      const body = res.json();
      expect(body.error.code).toBe('VALIDATION.FAILED');
      expect(body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect((await prefs(u.accessToken)).json()).toEqual(before);
  });

  it('When no or a forged token is sent, then 401 and no preferences are read or written', async () => {
    expect((await app.inject({ url: '/v1/me/notification-preferences' })).statusCode).toBe(401);
    const forged = await patch('eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln', { weeklyDigest: false });
    expect(forged.statusCode).toBe(401);
  });

  it('When the table is written around the API, then its CHECKs refuse a bad day, time or timezone', async () => {
    const id = '0190a0b0-0000-7000-8000-00000000c0de';
    for (const [col, val] of [
      ['digest_day', 9],
      ['digest_time', '09:00:30'],
      ['timezone', "UTC'--"],
    ] as const) {
      await expect(
        q(`insert into notification_preferences (user_id, ${col}) values ($1, $2)`, [id, val]),
      ).rejects.toThrow(/check constraint/);
    }
    const idx = await q(`select indexdef from pg_indexes where indexname = 'notification_preferences_digest_idx'`);
    expect(idx.rows[0]?.indexdef).toContain('(digest_day, digest_time)');
  });

  it('When the application role reads without a user scope, then row-level security shows nothing; scoped, only that user', async () => {
    const a = await auth.register();
    const b = await auth.register();
    await prefs(a.accessToken);
    await prefs(b.accessToken);
    const role = `t_app_${randomBytes(4).toString('hex')}`;
    await q(`create role ${role} nosuperuser nobypassrls`);
    await q(`grant select on notification_preferences, notification_logs to ${role}`);
    const client = await adminQueries(n.env.DATABASE_URL as string).pool.connect();
    try {
      await client.query('begin');
      await client.query(`set local role ${role}`);
      expect((await client.query('select user_id from notification_preferences')).rowCount).toBe(0);
      await client.query(`select set_config('marquee.user_id', $1, true)`, [a.userId]);
      const seen = await client.query('select user_id from notification_preferences');
      expect(seen.rows.map((r) => r.user_id)).toEqual([a.userId]);
      await client.query('rollback');
    } finally {
      client.release();
      await q(`revoke all on notification_preferences, notification_logs from ${role}`);
      await q(`drop role ${role}`);
    }
  });

  it('When a fresh instance replays auth.user.v1 from the start, then it rebuilds recipients and preferences, without users deleted since', async () => {
    const kept = await auth.register({ timezone: 'Europe/Lisbon' });
    const gone = await auth.register();
    expect(await auth.deleteMe(gone.accessToken, gone.password)).toBe(204);
    await eventually(
      async () => (await q('select 1 from recipients where user_id = $1', [kept.userId])).rowCount === 1,
      {
        what: 'first instance projected',
        timeoutMs: 30_000,
      },
    );
    const replay = await startTestNotification('n_prefs_replay', {
      KAFKA_TOPIC_PREFIX: n.config.KAFKA_TOPIC_PREFIX,
      NATS_SUBJECT_PREFIX: `${n.config.NATS_SUBJECT_PREFIX}replay.`,
      CONSUMER_GROUP: 'notification-rebuild',
      AUTH_JWKS_URL: auth.jwksUrl,
    });
    try {
      const rq = (text: string, values: unknown[]) => adminQueries(replay.env.DATABASE_URL as string).q(text, values);
      const row = await eventually(
        async () =>
          (await rq('select timezone from notification_preferences where user_id = $1', [kept.userId])).rows[0],
        { what: 'preferences rebuilt by replay', timeoutMs: 30_000 },
      );
      expect(row.timezone).toBe('Europe/Lisbon');
      expect((await rq('select 1 from recipients where user_id = $1', [gone.userId])).rowCount).toBe(0);
      expect((await rq('select 1 from notification_preferences where user_id = $1', [gone.userId])).rowCount).toBe(0);
    } finally {
      await replay.stop();
    }
  });
});
