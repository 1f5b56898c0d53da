import type { Envelope } from '@marquee/contracts';
import { FieldCipher, generateKeyring } from '@marquee/platform-crypto';
import { eventually } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectInteractionEvents,
  newUserId,
  startTestInteraction,
  type TestInteraction,
} from './fixtures/interaction-env';
import { encryptStoredComments } from '../src/interactions/encrypt-stored-comments';

let svc: TestInteraction;
let reader: Awaited<ReturnType<typeof collectInteractionEvents>>;
const MOVIES = [11, 12, 13, 14, 15, 16];

beforeAll(async () => {
  svc = await startTestInteraction('interaction-api');
  await svc.knowMovies(MOVIES);
  reader = await collectInteractionEvents(svc);
});
afterAll(async () => {
  await reader?.stop();
  await svc?.stop();
});

async function put(userId: string, movieId: number, type: string, payload?: unknown) {
  return svc.app.inject({
    method: 'PUT',
    url: `/v1/me/interactions/${movieId}/${type}`,
    headers: await svc.as(userId),
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}
type Data = Record<string, unknown>;
const eventsOf = (userId: string) => reader.events.filter((e) => e.key === userId) as Envelope<Data>[];
async function outboxCount(userId: string): Promise<number> {
  const res = await svc.sql(sql`select count(*)::int as n from outbox_written where key = ${userId}`);
  return (res.rows[0] as { n: number }).n;
}
const fieldsOf = (body: string) => (JSON.parse(body).error.details as { field: string }[]).map((d) => d.field);

describe('recording interactions', () => {
  it('When the same PUT is sent twice, then one row stays and one interaction.recorded is published', async () => {
    const user = newUserId();
    const first = await put(user, 11, 'favorite', { source: 'mobile' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ movieId: 11, type: 'favorite', source: 'mobile', rating: null });
    const second = await put(user, 11, 'favorite', { source: 'mobile' });
    expect(second.statusCode).toBe(200);
    expect(second.json().id).toBe(first.json().id);
    const rows = await svc.sql(sql`select count(*)::int as n from user_movie_interactions where user_id = ${user}`);
    expect((rows.rows[0] as { n: number }).n).toBe(1);
    expect(await outboxCount(user)).toBe(1);
    const [event] = await eventually(() => eventsOf(user).length === 1 && eventsOf(user), { what: 'recorded event' });
    expect(event).toMatchObject({
      type: 'interaction.recorded',
      key: user,
      data: { userId: user, movieId: 11, interactionType: 'favorite', source: 'mobile', previousRating: null },
    });
  });

  it('When a rating changes, then the event carries the previous rating; the same rating again publishes nothing', async () => {
    const user = newUserId();
    expect((await put(user, 12, 'rating', { rating: 3 })).statusCode).toBe(201);
    expect((await put(user, 12, 'rating', { rating: 5 })).json()).toMatchObject({ rating: 5 });
    expect((await put(user, 12, 'rating', { rating: 5 })).statusCode).toBe(200);
    const events = await eventually(() => eventsOf(user).length >= 2 && eventsOf(user), { what: 'rating events' });
    expect(events.map((e) => [e.data.rating, e.data.previousRating])).toEqual([
      [3, null],
      [5, 3],
    ]);
    expect(await outboxCount(user)).toBe(2);
  });

  it('When a rating is outside 1–5, on another type, or missing on type rating, then 400 names body.rating', async () => {
    const user = newUserId();
    for (const [type, payload] of [
      ['rating', { rating: 0 }],
      ['rating', { rating: 6 }],
      ['rating', { rating: 2.5 }],
      ['like', { rating: 4 }],
      ['rating', {}],
    ] as const) {
      const res = await put(user, 12, type, payload);
      expect(res.statusCode, `${type} ${JSON.stringify(payload)}`).toBe(400);
      expect(fieldsOf(res.body)).toContain('body.rating');
    }
    expect(await outboxCount(user)).toBe(0);
  });

  it('When a type, feedback type, source or property is unknown, then 400 names that field', async () => {
    const user = newUserId();
    const cases: [string, unknown, string][] = [
      ['loved', {}, 'params.type'],
      ['like', { feedbackType: 'meh' }, 'body.feedbackType'],
      ['like', { source: 'fax' }, 'body.source'],
      ['like', { mood: 'happy' }, 'body.mood'],
      ['like', { feedbackComment: 'no type' }, 'body.feedbackComment'],
    ];
    for (const [type, payload, field] of cases) {
      const res = await put(user, 13, type, payload);
      expect(res.statusCode, field).toBe(400);
      expect(fieldsOf(res.body)).toContain(field);
    }
    const badId = await put(user, 0, 'like');
    expect(fieldsOf(badId.body)).toContain('params.movieId');
  });

  it('When feedback comes with a comment, then both are stored and the event says a comment exists without carrying it', async () => {
    const user = newUserId();
    const res = await put(user, 13, 'view', { feedbackType: 'already_seen', feedbackComment: 'Saw it in 1999' });
    expect(res.json()).toMatchObject({ feedbackType: 'already_seen', feedbackComment: 'Saw it in 1999' });
    const [event] = await eventually(() => eventsOf(user).length === 1 && eventsOf(user), { what: 'feedback event' });
    expect(event?.data).toMatchObject({ feedbackType: 'already_seen', hasFeedbackComment: true });
    // Free text a person wrote is personal data: it stays in the service, out of the outbox and Kafka.
    expect(JSON.stringify(event)).not.toContain('Saw it in 1999');
  });

  it('When a user likes then dislikes a movie, then the like is removed and both facts are published', async () => {
    const user = newUserId();
    await put(user, 14, 'like');
    await put(user, 14, 'dislike');
    const state = await svc.app.inject({ url: '/v1/me/interactions/14', headers: await svc.as(user) });
    expect(state.json()).toMatchObject({ liked: false, disliked: true });
    const events = await eventually(() => eventsOf(user).length >= 3 && eventsOf(user), {
      what: 'like/dislike events',
    });
    expect(events.map((e) => `${e.type}:${e.data.interactionType}`)).toEqual([
      'interaction.recorded:like',
      'interaction.recorded:dislike',
      'interaction.removed:like',
    ]);
  });

  it('When a view is repeated, then its row keeps its id, its time moves and it is published again', async () => {
    const user = newUserId();
    const first = (await put(user, 15, 'view')).json();
    const second = await put(user, 15, 'view');
    expect(second.statusCode).toBe(200);
    expect(second.json().id).toBe(first.id);
    expect(Date.parse(second.json().updatedAt)).toBeGreaterThanOrEqual(Date.parse(first.updatedAt));
    expect(second.json().updatedAt).not.toBe(first.updatedAt);
    await eventually(() => eventsOf(user).length === 2, { what: 'two view events' });
  });

  it('When an interaction is deleted twice, then 204 both times and one interaction.removed', async () => {
    const user = newUserId();
    await put(user, 16, 'watchlist');
    const headers = await svc.as(user);
    for (let i = 0; i < 2; i++) {
      const res = await svc.app.inject({ method: 'DELETE', url: '/v1/me/interactions/16/watchlist', headers });
      expect(res.statusCode).toBe(204);
    }
    expect((await svc.app.inject({ method: 'DELETE', url: '/v1/me/interactions/16/watchlist' })).statusCode).toBe(401);
    const events = await eventually(() => eventsOf(user).length >= 2 && eventsOf(user), { what: 'removed event' });
    expect(events.map((e) => e.type)).toEqual(['interaction.recorded', 'interaction.removed']);
    expect(await outboxCount(user)).toBe(2);
  });

  it('When the movie is not projected and the catalog cannot be reached, then 503 and nothing is written', async () => {
    const user = newUserId();
    const res = await put(user, 999_999, 'like');
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('CATALOG.UNAVAILABLE');
    expect(await outboxCount(user)).toBe(0);
  });

  it('When a request has no token or a forged one, then 401', async () => {
    expect((await svc.app.inject({ method: 'PUT', url: '/v1/me/interactions/11/like' })).statusCode).toBe(401);
    const forged = await svc.app.inject({
      method: 'PUT',
      url: '/v1/me/interactions/11/like',
      headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
    });
    expect(forged.statusCode).toBe(401);
  });

  it('When 40 users write at once, then every write is answered and batched into fewer commits', async () => {
    const before = svc.ctx.recorder.stats.batches;
    const users = Array.from({ length: 40 }, newUserId);
    const answers = await Promise.all(users.map((u) => put(u, 11, 'view')));
    expect(answers.map((a) => a.statusCode)).toEqual(users.map(() => 201));
    expect(svc.ctx.recorder.stats.batches - before).toBeLessThan(40);
  });

  it('When one user likes and dislikes a movie at the same moment, then exactly one of them stands', async () => {
    const user = newUserId();
    const answers = await Promise.all([
      put(user, 16, 'like'),
      put(user, 16, 'dislike'),
      put(user, 16, 'rating', { rating: 4 }),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201]);
    const state = (await svc.app.inject({ url: '/v1/me/interactions/16', headers: await svc.as(user) })).json();
    expect(Number(state.liked) + Number(state.disliked)).toBe(1);
    expect(state.rating).toBe(4);
  });

  it('When a like and a dislike of one movie are written by two transactions at once, then the second waits for the first and displaces its row', async () => {
    const user = newUserId();
    const batch = (type: string) =>
      JSON.stringify([
        { owner: user, rows: [{ idx: 0, user_id: user, movie_id: 16, interaction_type: type, source: 'web' }] },
      ]);
    const record = 'select kind, type from record_interactions($1::jsonb)';
    const first = await svc.deps.database.pool.connect();
    const second = await svc.deps.database.pool.connect();
    try {
      await first.query('begin');
      await second.query('begin');
      expect((await first.query(record, [batch('like')])).rows).toEqual([{ kind: 'created', type: 'like' }]);
      const secondPid = (await second.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
      let done = false;
      const disliking = second.query(record, [batch('dislike')]).finally(() => {
        done = true;
      });
      // The like is not committed yet: the dislike must wait for it (before the fix it went on, missed the like and
      // deleted nothing, and both committed).
      await eventually(
        async () =>
          done ||
          (
            await svc.deps.database.pool.query(
              'select 1 from pg_stat_activity where pid = $1 and wait_event_type = $2',
              [secondPid, 'Lock'],
            )
          ).rowCount === 1,
        { what: 'the dislike finished or waiting on a lock' },
      );
      expect(done).toBe(false);
      await first.query('commit');
      expect((await disliking).rows).toEqual([
        { kind: 'created', type: 'dislike' },
        { kind: 'displaced', type: 'like' },
      ]);
      await second.query('commit');
    } finally {
      await first.query('rollback').catch(() => {});
      await second.query('rollback').catch(() => {});
      first.release();
      second.release();
    }
    const state = (await svc.app.inject({ url: '/v1/me/interactions/16', headers: await svc.as(user) })).json();
    expect([state.liked, state.disliked]).toEqual([false, true]);
  });
});

describe('feedback comments at rest', () => {
  const text = 'Fell asleep before the twist, ask me again';
  const storedComment = async (user: string, movieId: number) => {
    const res = await svc.sql(
      sql`select feedback_comment as c from user_movie_interactions where user_id = ${user} and movie_id = ${movieId}`,
    );
    return (res.rows[0] as { c: string }).c;
  };

  it('When a comment is stored, then the table holds only its ciphertext, the same PUT again changes nothing, and the user reads the text', async () => {
    const user = newUserId();
    const body = { feedbackType: 'negative', feedbackComment: text };
    expect((await put(user, 16, 'view', body)).statusCode).toBe(201);
    const stored = await storedComment(user, 16);
    expect(stored).toMatch(/^v1:k1:/);
    expect(stored).not.toContain('twist');
    const again = await put(user, 16, 'like', body);
    expect(again.statusCode).toBe(201);
    const same = await put(user, 16, 'like', body);
    expect(same.statusCode).toBe(200);
    expect(same.json().feedbackComment).toBe(text);
    // view, like; the repeated like changed nothing and published nothing.
    expect(await outboxCount(user)).toBe(2);
    const state = await svc.app.inject({ url: '/v1/me/interactions/16', headers: await svc.as(user) });
    expect(state.json().interactions.map((i: { feedbackComment: string }) => i.feedbackComment)).toEqual([text, text]);
    const history = await svc.app.inject({ url: '/v1/me/library/history', headers: await svc.as(user) });
    expect(history.json().items[0].feedbackComment).toBe(text);
  });

  it('When a plain comment is written straight to the table, then the CHECK refuses it', async () => {
    const user = newUserId();
    await expect(
      svc.sql(sql`insert into user_movie_interactions (user_id, movie_id, interaction_type, feedback_type, feedback_comment)
        values (${user}, 11, 'view', 'positive', 'plain words')`),
    ).rejects.toMatchObject({ cause: { constraint: 'user_movie_interactions_comment_encrypted_check' } });
  });

  it('When the active key changes, then a start re-encrypts stored comments under it and they still read', async () => {
    const user = newUserId();
    await put(user, 12, 'view', { feedbackType: 'positive', feedbackComment: text });
    const ring = `${svc.env.INTERACTION_ENCRYPTION_KEYS},${generateKeyring('k2')}`;
    const rotated = FieldCipher.fromConfig(ring, 'k2');
    try {
      expect(await encryptStoredComments(svc.deps.database, rotated, svc.deps.logger)).toBeGreaterThan(0);
      const stored = await storedComment(user, 12);
      expect(stored).toMatch(/^v1:k2:/);
      expect(rotated.decrypt(stored, `user_movie_interactions.feedback_comment:${user}:12:view`)).toBe(text);
      expect(await encryptStoredComments(svc.deps.database, rotated, svc.deps.logger)).toBe(0);
    } finally {
      // Back under k1, the key the running service holds, for the tests after this one.
      await encryptStoredComments(svc.deps.database, FieldCipher.fromConfig(ring, 'k1'), svc.deps.logger);
    }
    expect(await storedComment(user, 12)).toMatch(/^v1:k1:/);
  });
});
