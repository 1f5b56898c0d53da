import { connectBus, type NatsConnection, serveJson, Subjects, type Subscription } from '@marquee/platform-bus';
import { testInfra } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aUser,
  anotherUser,
  type RunningGateway,
  startGateway,
  startTestIssuer,
  type TestIssuer,
  jsonOf,
} from './helpers';

describe('GDPR export gathered over NATS', () => {
  let issuer: TestIssuer;
  let gateway: RunningGateway;
  let nc: NatsConnection;
  const subs: Subscription[] = [];
  const asked: Record<string, unknown[]> = {};
  // Unique service names keep parallel runs on the shared NATS server apart.
  const tag = Math.random().toString(36).slice(2, 8);
  const [authSvc, catalogSvc, failingSvc, silentSvc] = ['auth', 'catalog', 'interaction', 'analytics'].map(
    (s) => `${s}-${tag}`,
  );

  beforeAll(async () => {
    issuer = await startTestIssuer();
    gateway = await startGateway({
      AUTH_JWKS_URL: issuer.jwksUrl,
      GDPR_EXPORT_SERVICES: [authSvc, catalogSvc, failingSvc, silentSvc].join(','),
      GDPR_EXPORT_TIMEOUT_MS: '1500',
    });
    nc = await connectBus(testInfra().natsUrl, 'export-test-responders');
    const answer = (service: string, data: (userId: string) => unknown) =>
      serveJson<{ userId: string }, unknown>(nc, Subjects.gdprExport(service), async (req) => {
        asked[service] = [...(asked[service] ?? []), req];
        return data(req.userId);
      });
    subs.push(answer(authSvc as string, (userId) => ({ user: { id: userId, email: 'a@example.com' } })));
    subs.push(answer(catalogSvc as string, () => ({ note: 'catalog holds no personal data' })));
    subs.push(
      serveJson(nc, Subjects.gdprExport(failingSvc as string), async () => {
        throw new Error('column "password_hash" of relation "users" does not exist');
      }),
    );
    // silentSvc: subscribed but never answers, like a service stuck behind a slow query.
    subs.push(nc.subscribe(Subjects.gdprExport(silentSvc as string)));
    await nc.flush();
  });
  afterAll(async () => {
    for (const s of subs) s.unsubscribe();
    await nc?.drain();
    await gateway?.close();
    await issuer?.close();
  });

  it('When some services answer and others fail or stay silent, then the export holds the answers and names every missing one', async () => {
    const token = await issuer.sign({ sub: aUser, role: 'user' });
    const started = Date.now();
    const res = await fetch(`${gateway.url}/api/v1/me/export`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(6000);
    const body = await jsonOf(res);
    expect(body.userId).toBe(aUser);
    expect(body.complete).toBe(false);
    expect(body.services).toEqual({
      [authSvc as string]: { user: { id: aUser, email: 'a@example.com' } },
      [catalogSvc as string]: { note: 'catalog holds no personal data' },
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
    // What went wrong inside a service stays in the logs: the client only learns that it failed.
    expect(JSON.stringify(body)).not.toContain('password_hash');
    expect(body.missing).toEqual([
      { service: failingSvc, reason: 'failed (the service reported an error)' },
      { service: silentSvc, reason: 'no answer within 1500 ms' },
    ]);
    expect(asked[authSvc as string]?.[0]).toMatchObject({ userId: aUser, requestedBy: aUser });
  });

  it('When a service has no responder at all, then it is named as not running', async () => {
    const lone = await startGateway({ AUTH_JWKS_URL: issuer.jwksUrl, GDPR_EXPORT_SERVICES: `nobody-${tag}` });
    try {
      const token = await issuer.sign({ sub: aUser, role: 'user' });
      const body = await jsonOf(
        await fetch(`${lone.url}/api/v1/me/export`, { headers: { authorization: `Bearer ${token}` } }),
      );
      expect(body.missing).toEqual([{ service: `nobody-${tag}`, reason: 'no responder (service not running)' }]);
    } finally {
      await lone.close();
    }
  });

  it("When a user asks for another user's export, then 403; an admin may; anonymous gets 401", async () => {
    const user = await issuer.sign({ sub: aUser, role: 'user' });
    const admin = await issuer.sign({ sub: anotherUser, role: 'admin' });
    const url = `${gateway.url}/api/v1/admin/users/${anotherUser}/export`;
    const denied = await fetch(url, { headers: { authorization: `Bearer ${user}` } });
    expect(denied.status).toBe(403);
    expect((await jsonOf(denied)).error.code).toBe('AUTH.FORBIDDEN');
    const allowed = await fetch(`${gateway.url}/api/v1/admin/users/${aUser}/export`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(allowed.status).toBe(200);
    expect((await jsonOf(allowed)).services[authSvc as string]).toEqual({
      user: { id: aUser, email: 'a@example.com' },
    });
    expect(asked[authSvc as string]?.at(-1)).toMatchObject({ userId: aUser, requestedBy: anotherUser });
    expect((await fetch(`${gateway.url}/api/v1/me/export`)).status).toBe(401);
    const badId = await fetch(`${gateway.url}/api/v1/admin/users/not-a-uuid/export`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(badId.status).toBe(400);
    expect((await jsonOf(badId)).error.details[0].field).toBe('params.userId');
  });
});
