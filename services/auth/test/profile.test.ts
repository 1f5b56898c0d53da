import { buildEvent, MovieUpserted, type Static, type MovieSnapshot } from '@marquee/contracts';
import { connectProducer } from '@marquee/platform-events';
import type { HttpApp } from '@marquee/platform-http';
import { eventually, movieSnapshot } from '@marquee/platform-testing';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerAccount, startTestAuth, type TestAuth } from './fixtures/auth-env';
import { withUser } from '@marquee/platform-db';
import { openSealedFields } from '../src/accounts/user-data-key';

let auth: TestAuth;
let app: HttpApp;
let producer: Producer;
let topic: string;
let sent: ReturnType<typeof buildEvent>[];

function movie(movieId: number, genres: { id: number; name: string }[]): Static<typeof MovieSnapshot> {
  return movieSnapshot(movieId, {
    originalLanguage: 'en',
    genres: genres.map((g) => ({ ...g, tmdbId: null, slug: g.name.toLowerCase() })),
  });
}

const patchMe = (token: string, payload: object) =>
  app.inject({ method: 'PATCH', url: '/v1/me', headers: bearer(token), payload });
const outboxOf = async (userId: string) =>
  (await auth.raw.query(`select type, payload from outbox_written where key = $1 order by seq`, [userId])).rows;

beforeAll(async () => {
  auth = await startTestAuth('auth-profile');
  app = auth.app;
  await app.ready();
  producer = await connectProducer(auth.deps.kafka);
  topic = `${auth.deps.settings.topicPrefix}${MovieUpserted.topic}`;
  sent = [
    movie(1, [
      { id: 28, name: 'Action' },
      { id: 18, name: 'Drama' },
    ]),
    movie(2, [{ id: 35, name: 'Comedy' }]),
    movie(1, [
      { id: 28, name: 'Action' },
      { id: 18, name: 'Drama' },
    ]),
  ].map((m) => buildEvent(MovieUpserted, String(m.movieId), m, { correlationId: 'catalog-test' }));
  await producer.send({ topic, messages: sent.map((e) => ({ key: e.key, value: JSON.stringify(e) })) });
  await eventually(async () => (await auth.raw.query('select count(*)::int as n from known_genres')).rows[0].n === 3, {
    what: 'known genres projected from catalog.movie.v1',
    timeoutMs: 30_000,
  });
});
afterAll(async () => {
  await producer?.disconnect();
  await auth?.stop();
});

describe('profile', () => {
  it('When favorite genres include ids the catalog never published, then 400 names them and nothing changes', async () => {
    const acct = await registerAccount(app);
    const res = await patchMe(acct.accessToken, { favoriteGenres: [28, 9999, 35, 4242] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ field: 'favoriteGenres', reason: 'unknown genre ids: 9999, 4242' }]);
    expect((await app.inject({ url: '/v1/me', headers: bearer(acct.accessToken) })).json().favoriteGenres).toEqual([]);
    expect((await outboxOf(acct.userId)).map((r) => r.type)).toEqual(['user.registered']);
  });

  it('When valid fields change, then the profile is saved and user.updated names exactly the changed fields', async () => {
    const acct = await registerAccount(app, { timezone: 'Europe/Berlin' });
    const res = await patchMe(acct.accessToken, {
      favoriteGenres: [35, 28, 28],
      timezone: 'Europe/Berlin',
      preferredLanguage: 'pt-br',
      country: 'br',
      phone: '+5511912345678',
      dateOfBirth: '1990-05-17',
      deviceToken: 'fcm-token-abc',
      deviceType: 'android',
      bio: 'Loves noir',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      favoriteGenres: [35, 28],
      preferredLanguage: 'pt-BR',
      country: 'BR',
      phone: '+5511912345678',
      dateOfBirth: '1990-05-17',
      deviceType: 'android',
    });
    const events = await outboxOf(acct.userId);
    expect(events.map((e) => e.type)).toEqual(['user.registered', 'user.updated']);
    expect(events[1].payload.data.changed.sort()).toEqual(
      [
        'bio',
        'country',
        'dateOfBirth',
        'deviceToken',
        'deviceType',
        'favoriteGenres',
        'phone',
        'preferredLanguage',
      ].sort(),
    );
    expect(events[1].payload.data).toMatchObject({ favoriteGenres: [35, 28], country: 'BR' });
    expect(events[1].payload.data.deviceToken).toBeUndefined();
    const opened = await withUser(auth.deps.database.db, acct.userId, (tx) =>
      openSealedFields(tx, auth.ctx.cipher, acct.userId, events[1].payload.data.sealed),
    );
    expect(opened).toMatchObject({ deviceToken: 'fcm-token-abc' });
    const again = await patchMe(acct.accessToken, { bio: 'Loves noir' });
    expect(again.statusCode).toBe(200);
    expect(await outboxOf(acct.userId)).toHaveLength(2);
  });

  it('When timezone, language, country, phone, birth date or device type are invalid, then 400 names each field', async () => {
    const acct = await registerAccount(app);
    const res = await patchMe(acct.accessToken, {
      timezone: 'Mars/Olympus',
      preferredLanguage: 'english please',
      country: 'XX',
      phone: '0049-151',
      dateOfBirth: '2001-02-30',
    });
    expect(res.statusCode).toBe(400);
    expect(
      res
        .json()
        .error.details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['country', 'dateOfBirth', 'phone', 'preferredLanguage', 'timezone']);
    const device = await patchMe(acct.accessToken, { deviceType: 'blackberry' });
    expect(device.statusCode).toBe(400);
    expect(device.json().error.details.some((d: { field: string }) => d.field === 'body.deviceType')).toBe(true);
    const admin = await patchMe(acct.accessToken, { isStaff: true });
    expect(admin.statusCode).toBe(400);
    expect(admin.json().error.details).toEqual([{ field: 'body.isStaff', reason: 'is not an accepted property' }]);
    const me = (await app.inject({ url: '/v1/me', headers: bearer(acct.accessToken) })).json();
    expect(me).toMatchObject({ timezone: 'UTC', country: null, role: 'user' });
  });

  it("When a user asks for another user's record, then 403 (only /v1/me is theirs)", async () => {
    const a = await registerAccount(app);
    const b = await registerAccount(app);
    const res = await app.inject({ url: `/v1/admin/users/${b.userId}`, headers: bearer(a.accessToken) });
    expect(res.statusCode).toBe(403);
    expect((await app.inject({ url: '/v1/me', headers: bearer(a.accessToken) })).json().id).toBe(a.userId);
  });

  it('When the same movie event is delivered again, then the projection applies it once', async () => {
    const first = sent[0] as (typeof sent)[number];
    await producer.send({ topic, messages: [{ key: first.key, value: JSON.stringify(first) }] });
    await eventually(() => (auth.consumers[0]?.stats.duplicates ?? 0) >= 1, { what: 'redelivery seen as duplicate' });
    const { rows } = await auth.raw.query('select event_type, count(*)::int as n from processed_events group by 1');
    expect(rows).toEqual([{ event_type: 'movie.upserted', n: 3 }]);
    expect(auth.consumers[0]?.stats.applied).toBe(3);
  });

  it('When many movies share genres and one renames a genre, then every event applies and the new name wins', async () => {
    // Several keys spread over partitions that are consumed concurrently, all touching genres 18, 28 and 35.
    const burst = Array.from({ length: 40 }, (_, i) =>
      movie(100 + i, [
        { id: i % 2 ? 35 : 18, name: i % 2 ? 'Comedy' : 'Drama' },
        { id: 28, name: 'Action' },
      ]),
    );
    const events = burst.map((m) => buildEvent(MovieUpserted, String(m.movieId), m, { correlationId: 'catalog-test' }));
    await producer.send({ topic, messages: events.map((e) => ({ key: e.key, value: JSON.stringify(e) })) });
    await eventually(() => (auth.consumers[0]?.stats.applied ?? 0) >= 3 + events.length, {
      what: 'the burst applied',
      timeoutMs: 30_000,
    });
    const rename = buildEvent(MovieUpserted, '200', movie(200, [{ id: 35, name: 'Comedy & Satire' }]), {
      correlationId: 'catalog-test',
    });
    await producer.send({ topic, messages: [{ key: rename.key, value: JSON.stringify(rename) }] });
    await eventually(() => (auth.consumers[0]?.stats.applied ?? 0) >= 4 + events.length, {
      what: 'the rename applied',
    });
    const { rows } = await auth.raw.query('select genre_id, name, slug from known_genres order by genre_id');
    expect(rows.map((r: { genre_id: number; name: string }) => [r.genre_id, r.name])).toEqual([
      [18, 'Drama'],
      [28, 'Action'],
      [35, 'Comedy & Satire'],
    ]);
    expect(auth.consumers[0]?.stats).toMatchObject({ deadLettered: 0, retries: 0 });
  });
});
