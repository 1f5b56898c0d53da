import { connectBus, requestJson, Subjects } from '@marquee/platform-bus';
import { eventually, startNatsServer, type TestNatsServer, uniqueName } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthProcess, startAuthProcess } from './fixtures/auth-process';
import { startTestNotification, type TestNotification, adminQueries } from './fixtures/notification-env';
import { type RecommendationStub, startRecommendationStub } from './fixtures/recommendation-stub';
import { type SmtpSink, startSmtpSink } from './fixtures/smtp-sink';

// A NATS server of this file's own with the platform's users and permissions: subjects carry no test prefix.
let nats: TestNatsServer;
let auth: AuthProcess;
let smtp: SmtpSink;
let recs: RecommendationStub;
let n: TestNotification;

beforeAll(async () => {
  nats = await startNatsServer();
  const shared = { KAFKA_TOPIC_PREFIX: `${uniqueName('n_nats')}.`, NATS_SUBJECT_PREFIX: '' };
  [auth, smtp, recs] = await Promise.all([
    startAuthProcess(shared, { NATS_URL: nats.urlFor('auth') }),
    startSmtpSink(),
    startRecommendationStub(),
  ]);
  n = await startTestNotification('n_nats', {
    ...shared,
    NATS_URL: nats.urlFor('notification'),
    AUTH_JWKS_URL: auth.jwksUrl,
    SMTP_URL: smtp.url,
    RECOMMENDATION_URL: recs.url,
  });
});
afterAll(async () => {
  await n?.stop();
  await Promise.all([auth?.stop(), smtp?.close(), recs?.close()]);
  await nats?.stop();
});

const q = (text: string, values: unknown[] = []) => adminQueries(n.env.DATABASE_URL as string).q(text, values);

describe('notification as its own NATS user', () => {
  it('When a digest is sent, then auth.contact answers notification under the platform NATS permissions, and the gateway may export its data', async () => {
    const u = await auth.register();
    await eventually(
      async () => (await q('select 1 from notification_preferences where user_id = $1', [u.userId])).rowCount === 1,
      {
        what: 'preferences',
        timeoutMs: 30_000,
      },
    );
    recs.set(u.userId, [{ movieId: 7, title: 'Playtime' }]);
    await q(
      `update notification_preferences set created_at = now() - interval '8 days', timezone = 'UTC',
         digest_day = extract(isodow from (now() - interval '1 minute') at time zone 'UTC'),
         digest_time = to_char((now() - interval '1 minute') at time zone 'UTC', 'HH24:MI')::time
       where user_id = $1`,
      [u.userId],
    );
    const mail = await eventually(
      () => smtp.received.find((m) => (m.to as { text: string } | undefined)?.text === u.email),
      {
        what: 'the digest',
        timeoutMs: 30_000,
      },
    );
    expect(mail.text).toContain('Playtime');
    const gateway = await connectBus(nats.urlFor('gateway'), 'gateway');
    try {
      const exported = await requestJson<{ notifications: unknown[] }>(
        gateway,
        Subjects.gdprExport('notification'),
        { userId: u.userId },
        5_000,
      );
      expect(exported.notifications).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  });
});
