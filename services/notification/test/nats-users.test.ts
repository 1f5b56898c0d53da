import { connectBus, requestJson, Subjects } from '@marquee/platform-bus';
import { MovieUpserted } from '@marquee/contracts';
import { forAllUsers } from '@marquee/platform-db';
import { eventually, startNatsServer, type TestNatsServer, uniqueName } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthProcess, startAuthProcess } from './fixtures/auth-process';
import { startTestNotification, type TestNotification, adminQueries } from './fixtures/notification-env';
import { movie } from '../../recommendation/test/events';
import { type Harness as RecommendationHarness, startHarness } from '../../recommendation/test/helper';
import { type SmtpSink, startSmtpSink } from './fixtures/smtp-sink';

// A NATS server of this file's own with the platform's users and permissions: subjects carry no test prefix.
// Auth, recommendation (in this process) and notification each connect as their own NATS user.
let nats: TestNatsServer;
let auth: AuthProcess;
let smtp: SmtpSink;
let recs: RecommendationHarness;
let n: TestNotification;

beforeAll(async () => {
  nats = await startNatsServer();
  const shared = { KAFKA_TOPIC_PREFIX: `${uniqueName('n_nats')}.`, NATS_SUBJECT_PREFIX: '' };
  [auth, smtp] = await Promise.all([startAuthProcess(shared, { NATS_URL: nats.urlFor('auth') }), startSmtpSink()]);
  recs = await startHarness(auth.jwksUrl, { ...shared, NATS_URL: nats.urlFor('recommendation') });
  n = await startTestNotification('n_nats', {
    ...shared,
    NATS_URL: nats.urlFor('notification'),
    AUTH_JWKS_URL: auth.jwksUrl,
    SMTP_URL: smtp.url,
  });
}, 120_000);
afterAll(async () => {
  await n?.stop();
  await recs?.close();
  await Promise.all([auth?.stop(), smtp?.close()]);
  await nats?.stop();
});

const q = (text: string, values: unknown[] = []) => adminQueries(n.env.DATABASE_URL as string).q(text, values);

describe('notification as its own NATS user', () => {
  it('When a digest is sent, then auth.contact and recommendation.for-users answer notification under the platform NATS permissions, and the gateway may export its data', async () => {
    const genre = { id: 77, tmdbId: 9077, name: 'Comedy of manners', slug: 'comedy-of-manners' };
    await recs.publish(MovieUpserted, '7', movie(7, 0, { title: 'Playtime', genres: [genre] }));
    await eventually(() => recs.rec.ctx.store.current.catalogue.index.has(7), {
      what: 'the movie in the recommendation model',
      timeoutMs: 30_000,
    });
    // Auth accepts the genre once it has read the movie event too.
    const u = await eventually(() => auth.register({ favoriteGenres: [genre.id] }).catch(() => undefined), {
      what: 'registration with the genre',
      timeoutMs: 30_000,
    });
    await eventually(
      async () =>
        (
          await forAllUsers(recs.rec.deps.database.db, (tx) =>
            tx.execute(sql`select 1 from rec_users where user_id = ${u.userId}`),
          )
        ).rows.length === 1,
      { what: 'the user in the recommendation service', timeoutMs: 30_000 },
    );
    await eventually(
      async () => (await q('select 1 from notification_preferences where user_id = $1', [u.userId])).rowCount === 1,
      {
        what: 'preferences',
        timeoutMs: 30_000,
      },
    );
    // The digest's read builds the user's first list, whose recommendations.generated would also bring a new-picks
    // alert mail here: these users get the digest alone.
    await q(
      `update notification_preferences set created_at = now() - interval '8 days', timezone = 'UTC',
         recommendation_alerts = false,
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
    expect(mail.text).toContain('- Playtime (From your favourite genre Comedy of manners)');
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
