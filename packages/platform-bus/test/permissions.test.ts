import { startNatsServer, type TestNatsServer } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectBus,
  type NatsConnection,
  publishJson,
  requestJson,
  serveJson,
  Subjects,
  subscribeJson,
} from '../src/index';

const SERVICES = ['gateway', 'auth', 'catalog', 'interaction', 'recommendation', 'notification', 'analytics'];

let server: TestNatsServer;
const connections: NatsConnection[] = [];
const as = async (service: string) => {
  const nc = await connectBus(server.urlFor(service), service);
  connections.push(nc);
  return nc;
};

/** Whether the server refused a publish or subscription: it reports the violation on the connection. */
async function refused(nc: NatsConnection, action: () => unknown): Promise<boolean> {
  const seen: string[] = [];
  void (async () => {
    for await (const s of nc.status()) seen.push(String(s.data));
  })();
  await Promise.resolve(action()).catch((err: Error) => seen.push(err.message));
  await nc.flush().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 150));
  return seen.some((m) => /permissions[ _]violation/i.test(m));
}

/** Whether the server refused a subscription: its message iterator ends with the violation. */
async function subscriptionRefused(nc: NatsConnection, subject: string): Promise<boolean> {
  const sub = nc.subscribe(subject);
  const ended = (async () => {
    try {
      for await (const _ of sub);
      return 'ended';
    } catch (err) {
      return (err as Error).message;
    }
  })();
  await nc.flush().catch(() => undefined);
  const outcome = await Promise.race([ended, new Promise<string>((r) => setTimeout(() => r('open'), 500))]);
  sub.unsubscribe();
  return /permissions[ _]violation/i.test(outcome);
}

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  for (const nc of connections) await nc.close();
  await server?.stop();
});

describe('NATS users and their permissions', () => {
  it('when every service connects as its own user, then each is accepted; a wrong password or no user is not', async () => {
    expect(server.services.sort()).toEqual([...SERVICES].sort());
    for (const s of SERVICES) expect((await as(s)).isClosed()).toBe(false);
    await expect(connectBus(server.url, 'anonymous')).rejects.toThrow(/authorization/i);
    await expect(connectBus(server.urlFor('gateway').replace(/:p[0-9a-f]+@/, ':pguess@'), 'gateway')).rejects.toThrow(
      /authorization/i,
    );
  });

  it('when the gateway asks auth for a GDPR export, then auth answers; when catalog asks, then it is refused', async () => {
    const auth = await as('auth');
    serveJson(auth, Subjects.gdprExport('auth'), async (req: { userId: string }) => ({ userId: req.userId }));
    await auth.flush();
    const gateway = await as('gateway');
    expect(await requestJson(gateway, Subjects.gdprExport('auth'), { userId: 'u1' }, 2000)).toEqual({ userId: 'u1' });
    const catalog = await as('catalog');
    expect(await refused(catalog, () => requestJson(catalog, Subjects.gdprExport('auth'), { userId: 'u1' }, 500))).toBe(
      true,
    );
  });

  it('when another service tries to answer gdpr.export.auth or read replies meant for others, then it is refused', async () => {
    const catalog = await as('catalog');
    expect(await subscriptionRefused(catalog, Subjects.gdprExport('auth'))).toBe(true);
    const analytics = await as('analytics');
    expect(await subscriptionRefused(analytics, '_INBOX.>')).toBe(true);
    expect(await subscriptionRefused(analytics, Subjects.liveUser('u1'))).toBe(true);
    expect(await subscriptionRefused(analytics, Subjects.gdprExport('analytics'))).toBe(false);
  });

  it('when only notification may ask auth.contact, then notification gets an answer and the gateway is refused', async () => {
    const auth = await as('auth');
    serveJson(auth, 'auth.contact', async () => ({ found: false }));
    await auth.flush();
    const notification = await as('notification');
    expect(await requestJson(notification, 'auth.contact', { userId: 'u1' }, 2000)).toEqual({ found: false });
    const gateway = await as('gateway');
    expect(await refused(gateway, () => requestJson(gateway, 'auth.contact', { userId: 'u1' }, 500))).toBe(true);
  });

  it('when only notification may ask recommendation.for-users, then it gets an answer; the gateway and analytics are refused, and no one but recommendation may answer', async () => {
    const recommendation = await as('recommendation');
    serveJson(recommendation, Subjects.recommendationForUsers, async () => ({ results: [] }));
    await recommendation.flush();
    const notification = await as('notification');
    expect(await requestJson(notification, Subjects.recommendationForUsers, { userIds: ['u1'] }, 2000)).toEqual({
      results: [],
    });
    for (const other of ['gateway', 'analytics']) {
      const nc = await as(other);
      expect(
        await refused(nc, () => requestJson(nc, Subjects.recommendationForUsers, { userIds: ['u1'] }, 500)),
        other,
      ).toBe(true);
    }
    expect(await subscriptionRefused(await as('catalog'), Subjects.recommendationForUsers)).toBe(true);
    expect(await subscriptionRefused(await as('notification'), Subjects.recommendationForUsers)).toBe(true);
  });

  it('when services push live.user.*, then recommendation and notification may and catalog may not', async () => {
    const gateway = await as('gateway');
    const got: unknown[] = [];
    subscribeJson(gateway, Subjects.liveUser('u1'), (d) => void got.push(d));
    await gateway.flush();
    publishJson(await as('recommendation'), Subjects.liveUser('u1'), { type: 'recommendations.updated' });
    publishJson(await as('notification'), Subjects.liveUser('u1'), { type: 'notification.sent' });
    const catalog = await as('catalog');
    expect(await refused(catalog, () => publishJson(catalog, Subjects.liveUser('u1'), { type: 'forged' }))).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual([{ type: 'recommendations.updated' }, { type: 'notification.sent' }]);
  });

  it('when a service other than auth announces revoked sessions, then it is refused', async () => {
    const catalog = await as('catalog');
    expect(await refused(catalog, () => publishJson(catalog, Subjects.sessionsRevoked, { userId: 'u1' }))).toBe(true);
    const auth = await as('auth');
    expect(await refused(auth, () => publishJson(auth, Subjects.sessionsRevoked, { userId: 'u1' }))).toBe(false);
  });
});
