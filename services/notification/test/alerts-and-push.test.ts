import type { AddressInfo } from 'node:net';
import { RecommendationsGenerated, TrendingUpdated } from '@marquee/contracts';
import type { HttpApp } from '@marquee/platform-http';
import { dropDatabase, eventually } from '@marquee/platform-testing';
import { decodeJwt, importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthProcess, startAuthProcess } from './fixtures/auth-process';
import {
  bearer,
  eventPublisher,
  sharedPrefixes,
  startTestNotification,
  type TestNotification,
  adminQueries,
} from './fixtures/notification-env';
import { startApnsService, startFcmService, startWebPushService } from './fixtures/push-servers';
import { runImport } from '../../catalog/src/jobs/run-import';
import { type CatalogUnderTest, importSettings, startCatalog, writeSampleDataDir } from '../../catalog/test/helper';

let auth: AuthProcess;
let catalog: CatalogUnderTest;
/** Three movies of the real catalog's import (alerts name the strong picks by their catalog titles). */
let a: { id: number; title: string };
let b: { id: number; title: string };
let c: { id: number; title: string };
let webPush: Awaited<ReturnType<typeof startWebPushService>>;
let fcm: Awaited<ReturnType<typeof startFcmService>>;
let apns: Awaited<ReturnType<typeof startApnsService>>;
let n: TestNotification;
let app: HttpApp;
let publisher: Awaited<ReturnType<typeof eventPublisher>>;

beforeAll(async () => {
  const shared = sharedPrefixes('n_alerts');
  [auth, webPush, fcm, apns] = await Promise.all([
    startAuthProcess(shared),
    startWebPushService(),
    startFcmService(),
    startApnsService(),
  ]);
  catalog = await startCatalog({ jwksUrl: auth.jwksUrl });
  await catalog.app.listen({ port: 0, host: '127.0.0.1' });
  await runImport(
    catalog.deps.database,
    importSettings(catalog.config, await writeSampleDataDir(3)),
    catalog.deps.logger,
  );
  [a, b, c] = (
    await catalog.deps.database.pool.query<{ id: number; title: string }>('select id, title from movies order by id')
  ).rows as [typeof a, typeof b, typeof c];
  n = await startTestNotification('n_alerts', {
    ...shared,
    AUTH_JWKS_URL: auth.jwksUrl,
    CATALOG_URL: `http://127.0.0.1:${(catalog.app.server.address() as AddressInfo).port}`,
    ALERT_DAILY_CAP: '2',
    WEB_PUSH_ALLOWED_HOSTS: '127.0.0.1,.push.services.mozilla.com',
    FCM_SERVICE_ACCOUNT_JSON: fcm.account,
    FCM_BASE_URL: fcm.url,
    ...apns.env,
  });
  app = n.app;
  await app.ready();
  publisher = await eventPublisher(n);
});
afterAll(async () => {
  await publisher?.stop();
  await n?.stop();
  await Promise.all([auth?.stop(), catalog?.close(), webPush?.close(), fcm?.close(), apns?.close()]);
  if (catalog) await dropDatabase(catalog.env.DATABASE_URL as string);
});

const q = (text: string, values: unknown[] = []) => adminQueries(n.env.DATABASE_URL as string).q(text, values);
const logsOf = async (userId: string) =>
  (await q('select * from notification_logs where user_id = $1 order by notification_type', [userId])).rows;

/** A registered user with a device, once notification has projected it. */
async function userWithDevice(deviceType: 'web' | 'android' | 'ios' | null, deviceToken?: string) {
  const u = await auth.register({ firstName: 'Kon' });
  if (deviceType) expect(await auth.patchMe(u.accessToken, { deviceType, deviceToken })).toBe(200);
  await eventually(
    async () =>
      (await q('select device_type from recipients where user_id = $1', [u.userId])).rows[0]?.device_type ===
      deviceType,
    { what: 'recipient projected', timeoutMs: 30_000 },
  );
  await eventually(
    async () => (await q('select 1 from notification_preferences where user_id = $1', [u.userId])).rowCount === 1,
    {
      what: 'preferences',
    },
  );
  return u;
}

const picks = (userId: string, items: [number, number][], generatedAt = new Date()) =>
  publisher.publish(RecommendationsGenerated, userId, {
    userId,
    algorithm: 'hybrid',
    generatedAt: generatedAt.toISOString(),
    items: items.map(([movieId, score], i) => ({ movieId, score, rank: i + 1 })),
  });

const settled = (userId: string, count: number) =>
  eventually(
    async () => {
      const rows = await logsOf(userId);
      return rows.length === count && rows.every((r) => r.status !== 'pending') ? rows : undefined;
    },
    { what: `${count} settled logs`, timeoutMs: 30_000 },
  );

describe('alerts and push', () => {
  it('When strong new picks arrive for a web user, then an email lands in the local mailbox and an encrypted Web Push signed with the stored VAPID key reaches the push service', async () => {
    const sub = webPush.subscribe();
    const u = await userWithDevice('web', sub.json);
    await picks(u.userId, [
      [a.id, 0.97],
      [b.id, 0.91],
      [c.id, 0.4],
    ]);
    const [email, push] = await settled(u.userId, 2);
    expect(email).toMatchObject({ notification_type: 'email', kind: 'recommendation_alert', status: 'delivered' });
    expect(push).toMatchObject({
      notification_type: 'push',
      status: 'delivered',
      recipient: `web:***${sub.json.slice(-4)}`,
    });
    const got = webPush.received.find((r) => sub.endpoint.endsWith(r.path)) as (typeof webPush.received)[number];
    expect(push.external_id).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/messages\//);
    expect(got.headers['content-encoding']).toBe('aes128gcm');
    expect(sub.decrypt(got.body)).toMatchObject({ title: 'New picks for you', body: `${a.title}, ${b.title}` });
    const vapid = (await app.inject({ url: '/v1/notifications/vapid-public-key' })).json().publicKey as string;
    const [, jwt, k] = /^vapid t=([^,]+), k=(.+)$/.exec(String(got.headers.authorization)) as string[];
    expect(k).toBe(vapid);
    const point = Buffer.from(vapid, 'base64url');
    const key = await importJWK(
      {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
      'ES256',
    );
    await expect(jwtVerify(jwt as string, key, { audience: new URL(sub.endpoint).origin })).resolves.toBeTruthy();

    const admin = await auth.adminToken();
    const list = await app.inject({ url: '/v1/admin/notifications/mailbox', headers: bearer(admin) });
    expect(list.statusCode).toBe(200);
    const entry = list.json().items.find((m: { to: string }) => m.to === u.email);
    expect(list.json().mode).toBe('mailbox');
    expect(entry).toMatchObject({ id: email.id, subject: 'New picks for you' });
    const shown = await app.inject({ url: `/v1/admin/notifications/mailbox/${email.id}`, headers: bearer(admin) });
    expect(shown.json().text).toContain(`- ${a.title}: http://gateway.test/api/v1/notifications/track/click?t=`);
    expect(
      (await app.inject({ url: '/v1/admin/notifications/mailbox', headers: bearer(u.accessToken) })).statusCode,
    ).toBe(403);
    const own = await app.inject({ url: '/v1/notifications', headers: bearer(u.accessToken) });
    expect(
      own
        .json()
        .items.map((i: { id: string }) => i.id)
        .sort(),
    ).toEqual([email.id, push.id].sort());
  });

  it('When the same or weak picks come again, alerts are turned off or the event is days old, then nothing more is sent', async () => {
    const u = await userWithDevice(null);
    await picks(u.userId, [[a.id, 0.95]]);
    await settled(u.userId, 1);
    await picks(u.userId, [[a.id, 0.99]]);
    await picks(u.userId, [[21, 0.5]]);
    const off = await userWithDevice(null);
    const res = await app.inject({
      method: 'PATCH',
      url: '/v1/me/notification-preferences',
      headers: bearer(off.accessToken),
      payload: { recommendationAlerts: false },
    });
    expect(res.statusCode).toBe(200);
    await picks(off.userId, [[a.id, 0.99]]);
    const stale = await userWithDevice(null);
    await picks(stale.userId, [[a.id, 0.99]], new Date(Date.now() - 3 * 86_400_000));
    // A later event for the first user proves the earlier ones were consumed.
    await picks(u.userId, [[b.id, 0.93]]);
    await settled(u.userId, 2);
    expect(await logsOf(off.userId)).toEqual([]);
    expect(await logsOf(stale.userId)).toEqual([]);
  });

  it('When more strong picks arrive than the daily cap allows, then only the cap is sent that day', async () => {
    const u = await userWithDevice(null);
    await picks(u.userId, [[31, 0.9]]);
    await picks(u.userId, [[32, 0.9]]);
    await picks(u.userId, [[33, 0.9]]);
    await settled(u.userId, 2);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await logsOf(u.userId)).toHaveLength(2);
    expect((await q('select sent from alert_counts where user_id = $1', [u.userId])).rows[0].sent).toBe(2);
  });

  it('When trending.updated arrives, then users who opted in get one alert per day, even if the list is published again', async () => {
    const yes = await userWithDevice(null);
    const no = await userWithDevice(null);
    await app.inject({
      method: 'PATCH',
      url: '/v1/me/notification-preferences',
      headers: bearer(yes.accessToken),
      payload: { trendingAlerts: true },
    });
    const trending = {
      date: new Date().toISOString().slice(0, 10),
      movies: [
        { movieId: b.id, score: 9, rank: 1 },
        { movieId: a.id, score: 8, rank: 2 },
      ],
    };
    await publisher.publish(TrendingUpdated, trending.date, trending);
    await publisher.publish(TrendingUpdated, trending.date, trending);
    const [log] = await settled(yes.userId, 1);
    expect(log).toMatchObject({ kind: 'trending_alert', status: 'delivered', subject: 'Trending now' });
    expect(log.content).toBe(`${b.id}\t${b.title}\n${a.id}\t${a.title}`);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await logsOf(yes.userId)).toHaveLength(1);
    expect(await logsOf(no.userId)).toEqual([]);
  });

  it('When the user has an android or ios device, then the push goes through FCM HTTP v1 (OAuth) or APNs over HTTP/2 with their message ids', async () => {
    const android = await userWithDevice('android', 'fcm-registration-token-abcd');
    const ios = await userWithDevice('ios', 'ab'.repeat(32));
    await picks(android.userId, [[a.id, 0.9]]);
    await picks(ios.userId, [[b.id, 0.9]]);
    const aPush = (await settled(android.userId, 2)).find((l) => l.notification_type === 'push');
    const iPush = (await settled(ios.userId, 2)).find((l) => l.notification_type === 'push');
    expect(aPush).toMatchObject({ status: 'delivered', recipient: 'android:***abcd' });
    expect(aPush.external_id).toMatch(/^projects\/demo\/messages\/0:\d+$/);
    const sent = fcm.received.find((r) => r.path.endsWith('messages:send'));
    expect(JSON.parse(String(sent?.body)).message).toMatchObject({
      token: 'fcm-registration-token-abcd',
      notification: { title: 'New picks for you', body: a.title },
    });
    expect(iPush).toMatchObject({ status: 'delivered', recipient: `ios:***abab` });
    expect(iPush.external_id).toMatch(/^[0-9A-F-]{36}$/);
    const apnsReq = apns.received.find((r) => r.path === `/3/device/${'ab'.repeat(32)}`);
    expect(apnsReq?.headers['apns-topic']).toBe('app.marquee.ios');
    expect(decodeJwt(String(apnsReq?.headers.authorization).replace('bearer ', '')).iss).toBe('TEAM123456');
    expect(JSON.parse(String(apnsReq?.body))).toMatchObject({
      aps: { alert: { title: 'New picks for you', body: b.title } },
    });
  });

  it('When a push token is gone or a web endpoint points anywhere else, then the push fails at once without retries and nothing is sent to a host off the allow-list', async () => {
    const dead = await userWithDevice('ios', 'dead'.repeat(16));
    const foreign = await userWithDevice(
      'web',
      JSON.stringify({ endpoint: 'http://169.254.169.254/latest/meta-data', keys: { p256dh: 'BExample', auth: 'x' } }),
    );
    await picks(dead.userId, [[a.id, 0.9]]);
    await picks(foreign.userId, [[a.id, 0.9]]);
    const deadPush = (await settled(dead.userId, 2)).find((l) => l.notification_type === 'push');
    expect(deadPush).toMatchObject({ status: 'failed', attempts: 1 });
    expect(deadPush.error_message).toContain('Unregistered');
    const foreignPush = (await settled(foreign.userId, 2)).find((l) => l.notification_type === 'push');
    expect(foreignPush).toMatchObject({
      status: 'failed',
      attempts: 1,
      error_message: 'push endpoint host is not allowed',
    });
  });

  it('When an admin lists logs, then filters apply and delivery details show; a user gets 403', async () => {
    const admin = await auth.adminToken();
    const res = await app.inject({ url: '/v1/admin/notifications?status=failed&limit=50', headers: bearer(admin) });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { status: string; errorMessage: string; attempts: number }[];
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(items.every((i) => i.status === 'failed' && i.errorMessage)).toBe(true);
    const bad = await app.inject({ url: '/v1/admin/notifications?status=lost', headers: bearer(admin) });
    expect(bad.statusCode).toBe(400);
    const user = await userWithDevice(null);
    expect((await app.inject({ url: '/v1/admin/notifications', headers: bearer(user.accessToken) })).statusCode).toBe(
      403,
    );
  });
});
