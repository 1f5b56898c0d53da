import { Topics } from '@marquee/contracts';
import { requestJson, Subjects } from '@marquee/platform-bus';
import type { HttpApp } from '@marquee/platform-http';
import { MovieUpserted } from '@marquee/contracts';
import { forAllUsers } from '@marquee/platform-db';
import { eventually } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthProcess, startAuthProcess } from './fixtures/auth-process';
import {
  collectEvents,
  sharedPrefixes,
  startTestNotification,
  type TestNotification,
  adminQueries,
} from './fixtures/notification-env';
import { movie } from '../../recommendation/test/events';
import { type Harness as RecommendationHarness, startHarness } from '../../recommendation/test/helper';
import { type SmtpSink, startSmtpSink } from './fixtures/smtp-sink';

// Digest content comes from the real recommendation service (in this process) over recommendation.for-users;
// auth, recommendation and notification share this file's Kafka topic and NATS subject prefixes.
let auth: AuthProcess;
let smtp: SmtpSink;
let recs: RecommendationHarness;
let n: TestNotification;
let app: HttpApp;
let events: Awaited<ReturnType<typeof collectEvents>>;

beforeAll(async () => {
  const shared = sharedPrefixes('n_digest');
  [auth, smtp] = await Promise.all([startAuthProcess(shared), startSmtpSink()]);
  recs = await startHarness(auth.jwksUrl, shared);
  n = await startTestNotification('n_digest', {
    ...shared,
    AUTH_JWKS_URL: auth.jwksUrl,
    SMTP_URL: smtp.url,
    DELIVERY_MAX_ATTEMPTS: '3',
  });
  app = n.app;
  await app.ready();
  events = await collectEvents(n, Topics.notification);
}, 120_000);
afterAll(async () => {
  await events?.stop();
  await n?.stop();
  await recs?.close();
  await Promise.all([auth?.stop(), smtp?.close()]);
});

const q = (text: string, values: unknown[] = []) => adminQueries(n.env.DATABASE_URL as string).q(text, values);
const logOf = async (userId: string) =>
  (await q('select * from notification_logs where user_id = $1', [userId])).rows[0];
const eventsOf = (userId: string) => events.events.filter((e) => e.key === userId).map((e) => e.type);

let genreSeq = 0;

/**
 * Movies with these titles in a genre of their own reach the catalog topic; the user registers with that genre
 * as their favourite (no titles: no favourite genre), so the real recommendation service's cold-start list for
 * them is exactly those movies. Returns the genre's name and the movie ids in title order.
 */
async function moviesInNewGenre(titles: string[]) {
  genreSeq += 1;
  const genre = { id: 100 + genreSeq, tmdbId: 9100 + genreSeq, name: `Genre ${genreSeq}`, slug: `genre-${genreSeq}` };
  const movieIds = titles.map((_, i) => 1000 * genreSeq + i);
  for (const [i, title] of titles.entries())
    await recs.publish(MovieUpserted, String(movieIds[i]), movie(movieIds[i] as number, 0, { title, genres: [genre] }));
  await eventually(() => movieIds.every((id) => recs.rec.ctx.store.current.catalogue.index.has(id)), {
    what: 'the movies in the recommendation model',
    timeoutMs: 30_000,
  });
  return { genre, movieIds };
}

/** A registered user whose preferences are a week old and whose digest time (UTC) was a minute ago. */
async function userWithDigestDue(titles = ['Heat', 'Ronin']) {
  const { genre } = await moviesInNewGenre(titles);
  const favoriteGenres = titles.length > 0 ? [genre.id] : [];
  // Auth accepts the genre once it has read the movie events too.
  const u = await eventually(() => auth.register({ firstName: 'Ada', favoriteGenres }).catch(() => undefined), {
    what: 'registration with the new genre',
    timeoutMs: 30_000,
  });
  await eventually(
    async () => (await q('select 1 from notification_preferences where user_id = $1', [u.userId])).rowCount === 1,
    {
      what: 'preferences from user.registered',
      timeoutMs: 30_000,
    },
  );
  await eventually(
    async () =>
      (
        await forAllUsers(recs.rec.deps.database.db, (tx) =>
          tx.execute(sql`select 1 from rec_users where user_id = ${u.userId}`),
        )
      ).rows.length === 1,
    { what: 'the user in the recommendation service', timeoutMs: 30_000 },
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
  return u;
}

const mailTo = (email: string) =>
  eventually(() => smtp.received.find((m) => (m.to as { text: string } | undefined)?.text === email), {
    what: `a mail to ${email}`,
    timeoutMs: 30_000,
  });
const linksOf = (mail: ParsedMail) =>
  [...String(mail.html).matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]?.replaceAll('&amp;', '&') as string);
/** A header as sent (mailparser folds List-* headers into an object). */
const header = (mail: ParsedMail, name: string) =>
  (mail.headerLines.find((h) => h.key === name)?.line ?? '').replace(/^[^:]+:\s*/, '').replace(/\r?\n\s+/g, '');
const local = (url: string) => url.replace('http://gateway.test/api', '');

describe('weekly digest delivery', () => {
  it('When a digest time passes, then one email with the current recommendations goes through SMTP and the log keeps only a masked recipient and the Message-ID', async () => {
    const u = await userWithDigestDue();
    const mail = await mailTo(u.email);
    expect(mail.subject).toBe('Your week at the movies');
    expect(mail.text).toContain('Hi Ada,');
    const genre = `Genre ${genreSeq}`;
    expect(mail.text).toContain(
      `- Heat (From your favourite genre ${genre}): http://gateway.test/api/v1/notifications/track/click?t=`,
    );
    expect(mail.text).toContain(`- Ronin (From your favourite genre ${genre}): http://gateway.test`);
    expect(mail.html).toContain('Heat');
    expect(mail.html).toContain('Ronin');
    expect(header(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(header(mail, 'list-unsubscribe')).toMatch(
      /^<http:\/\/gateway\.test\/api\/v1\/notifications\/unsubscribe\?t=[\w.-]+>$/,
    );
    const log = await eventually(
      async () => {
        const l = await logOf(u.userId);
        return l?.status === 'delivered' ? l : undefined;
      },
      { what: 'delivered log' },
    );
    expect(log).toMatchObject({ kind: 'weekly_digest', notification_type: 'email', attempts: 1, error_message: null });
    expect(log.recipient).toMatch(/^p\*\*\*@example\.com$/);
    expect(log.external_id).toBe(mail.messageId);
    expect(JSON.stringify(log)).not.toContain(u.email);
    await eventually(() => eventsOf(u.userId).length >= 2, { what: 'notification events', timeoutMs: 30_000 });
    expect(eventsOf(u.userId)).toEqual(['notification.sent', 'notification.delivered']);
    // The scheduler keeps running: still one digest for this week.
    await new Promise((r) => setTimeout(r, 600));
    expect(smtp.received.filter((m) => (m.to as { text: string }).text === u.email)).toHaveLength(1);
  });

  it('When the pixel loads and a movie link is clicked, then the log moves to opened then clicked, redirects to the movie, and each event is published once', async () => {
    const u = await userWithDigestDue(['Alien']);
    const mail = await mailTo(u.email);
    const links = linksOf(mail);
    const pixel = links.find((l) => l.includes('/track/open')) as string;
    const click = links.find((l) => l.includes('/track/click')) as string;
    await eventually(async () => (await logOf(u.userId))?.status === 'delivered', { what: 'delivered' });
    const open = await app.inject({ url: local(pixel) });
    expect(open.statusCode).toBe(200);
    expect(open.headers['content-type']).toBe('image/gif');
    expect((await logOf(u.userId)).status).toBe('opened');
    const go = await app.inject({ url: local(click) });
    expect(go.statusCode).toBe(302);
    expect(go.headers.location).toBe(`http://gateway.test/movies/${1000 * genreSeq}`);
    expect(await app.inject({ url: local(click) }).then((r) => r.statusCode)).toBe(302);
    expect(await app.inject({ url: local(pixel) }).then((r) => r.statusCode)).toBe(200);
    const log = await logOf(u.userId);
    expect(log.status).toBe('clicked');
    expect(log.opened_at).not.toBeNull();
    expect(log.clicked_at).not.toBeNull();
    await eventually(() => eventsOf(u.userId).length >= 4, { what: 'open and click events', timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(eventsOf(u.userId)).toEqual([
      'notification.sent',
      'notification.delivered',
      'notification.opened',
      'notification.clicked',
    ]);
    const clicked = events.events.find((e) => e.key === u.userId && e.type === 'notification.clicked');
    expect(clicked?.data).toMatchObject({ channel: 'email', kind: 'weekly_digest', movieId: 1000 * genreSeq });
  });

  it('When a tracking or unsubscribe token is tampered, then 400 and nothing moves', async () => {
    const u = await userWithDigestDue(['Brazil']);
    const mail = await mailTo(u.email);
    await eventually(async () => (await logOf(u.userId))?.status === 'delivered', { what: 'delivered' });
    const unsub = header(mail, 'list-unsubscribe').replace(/^<|>$/g, '');
    for (const link of [...linksOf(mail), unsub]) {
      const [base, token] = local(link).split('?t=') as [string, string];
      const [body, mac] = token.split('.') as [string, string];
      const flipped = `${body.slice(0, -1)}${body.endsWith('A') ? 'B' : 'A'}.${mac}`;
      for (const bad of [flipped, `${body}.${mac.slice(0, -1)}x`, 'nope', `${body}.`]) {
        const res = await app.inject({
          method: base.includes('unsubscribe') ? 'POST' : 'GET',
          url: `${base}?t=${bad}`,
        });
        expect(res.statusCode, `${base} ${bad}`).toBe(400);
        expect(res.json().error.code).toBe('NOTIFICATION.BAD_TOKEN');
      }
    }
    expect((await logOf(u.userId)).status).toBe('delivered');
    expect(
      (await q('select weekly_digest from notification_preferences where user_id = $1', [u.userId])).rows[0]
        .weekly_digest,
    ).toBe(true);
    expect(eventsOf(u.userId).filter((t) => t === 'notification.opened' || t === 'notification.clicked')).toEqual([]);
  });

  it('When the one-click unsubscribe link is posted, then the digest is turned off with no login; its page alone changes nothing', async () => {
    const u = await userWithDigestDue(['Solaris']);
    const mail = await mailTo(u.email);
    const unsub = local(header(mail, 'list-unsubscribe').replace(/^<|>$/g, ''));
    const page = await app.inject({ url: unsub });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post"');
    const digestOn = async () =>
      (await q('select weekly_digest from notification_preferences where user_id = $1', [u.userId])).rows[0]
        .weekly_digest;
    expect(await digestOn()).toBe(true);
    const post = await app.inject({
      method: 'POST',
      url: unsub,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(post.statusCode).toBe(200);
    expect(await digestOn()).toBe(false);
  });

  it('When SMTP answers a temporary error, then the send is retried with backoff and recorded; past the limit it fails with error_message and notification.failed', async () => {
    smtp.failNext(1);
    const retried = await userWithDigestDue(['Stalker']);
    await mailTo(retried.email);
    const ok = await eventually(
      async () => {
        const l = await logOf(retried.userId);
        return l?.status === 'delivered' ? l : undefined;
      },
      { what: 'delivered after a retry' },
    );
    expect(ok.attempts).toBe(2);

    smtp.failNext(1000);
    const doomed = await userWithDigestDue(['Ran']);
    const pending = await eventually(
      async () => {
        const l = await logOf(doomed.userId);
        return l?.attempts === 1 ? l : undefined;
      },
      { what: 'first failed attempt' },
    );
    expect(pending.status).toBe('pending');
    expect(pending.error_message).toContain('451');
    const failed = await eventually(
      async () => {
        const l = await logOf(doomed.userId);
        return l?.status === 'failed' ? l : undefined;
      },
      { what: 'failed after the limit', timeoutMs: 30_000 },
    );
    smtp.failNext(0);
    expect(failed.attempts).toBe(3);
    expect(failed.error_message).toContain('451');
    await eventually(() => eventsOf(doomed.userId).includes('notification.failed'), {
      what: 'notification.failed',
      timeoutMs: 30_000,
    });
    expect(eventsOf(doomed.userId)).toEqual(['notification.failed']);
  });

  it('When the recommendation service has nothing for the user (no history, no favourite genre, nothing popular), then no empty digest is sent and the log says why', async () => {
    const u = await userWithDigestDue([]);
    const log = await eventually(
      async () => {
        const l = await logOf(u.userId);
        return l?.status === 'failed' ? l : undefined;
      },
      { what: 'failed log' },
    );
    expect(log.error_message).toBe('no recommendations to send');
    expect(smtp.received.some((m) => (m.to as { text: string }).text === u.email)).toBe(false);
  });

  it('When GDPR export is asked over NATS, then it answers preferences and logs with masked recipients only; user.deleted then erases them', async () => {
    const u = await userWithDigestDue(['Ikiru']);
    await mailTo(u.email);
    await eventually(async () => (await logOf(u.userId))?.status === 'delivered', { what: 'delivered' });
    const subject = `${n.config.NATS_SUBJECT_PREFIX}${Subjects.gdprExport('notification')}`;
    const exported = await requestJson<{ preferences: unknown; notifications: { recipient: string }[] }>(
      n.deps.nats,
      subject,
      { userId: u.userId },
      5_000,
    );
    expect(exported).toMatchObject({ service: 'notification', userId: u.userId, preferences: { weeklyDigest: true } });
    expect(exported.notifications).toHaveLength(1);
    expect(JSON.stringify(exported)).not.toContain(u.email);
    await expect(requestJson(n.deps.nats, subject, { userId: 'x' }, 5_000)).rejects.toThrow('userId must be a uuid');

    expect(await auth.deleteMe(u.accessToken, u.password)).toBe(204);
    await eventually(
      async () => (await q('select 1 from notification_logs where user_id = $1', [u.userId])).rowCount === 0,
      {
        what: 'logs erased on user.deleted',
        timeoutMs: 30_000,
      },
    );
    for (const t of ['notification_preferences', 'recipients', 'digest_claims']) {
      expect((await q(`select 1 from ${t} where user_id = $1`, [u.userId])).rowCount, t).toBe(0);
    }
  });
});
