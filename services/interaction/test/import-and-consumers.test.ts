import { requestJson, Subjects } from '@marquee/platform-bus';
import { eventually } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionExport } from '../src/gdpr/export-over-nats';
import {
  collectInteractionEvents,
  movieDeleted,
  newUserId,
  startTestInteraction,
  type TestInteraction,
  userDeleted,
} from './fixtures/interaction-env';

let svc: TestInteraction;
let reader: Awaited<ReturnType<typeof collectInteractionEvents>>;

beforeAll(async () => {
  svc = await startTestInteraction('interaction-import');
  await svc.knowMovies([31, 32, 33, 34]);
  reader = await collectInteractionEvents(svc);
});
afterAll(async () => {
  await reader?.stop();
  await svc?.stop();
});

const importBatch = async (items: unknown[], role: 'user' | 'admin' = 'admin') =>
  svc.app.inject({
    method: 'POST',
    url: '/v1/admin/interactions/import',
    headers: await svc.as(newUserId(), role),
    payload: { items },
  });
async function countRows(where: ReturnType<typeof sql>): Promise<number> {
  const res = await svc.sql(sql`select count(*)::int as n from user_movie_interactions where ${where}`);
  return (res.rows[0] as { n: number }).n;
}
const eventsOf = (userId: string) => reader.events.filter((e) => e.key === userId);

describe('bulk import', () => {
  it('When a batch mixes good and bad rows, then bad rows come back by index and good rows keep their times', async () => {
    const a = newUserId();
    const b = newUserId();
    const res = await importBatch([
      { userId: a, movieId: 31, type: 'rating', rating: 4, at: '2001-02-03T04:05:06Z' },
      { userId: a, movieId: 31, type: 'like', rating: 4, at: '2001-02-03T04:05:06Z' },
      { userId: 'nobody', movieId: 32, type: 'view', at: '2001-02-03T04:05:06Z' },
      { userId: b, movieId: 32, type: 'rating', rating: 9, at: '2001-02-03T04:05:06Z' },
      { userId: b, movieId: 32, type: 'favorite', source: 'push', at: '2003-01-01T00:00:00+02:00' },
      { userId: b, movieId: 33, type: 'view', at: '2999-01-01T00:00:00Z' },
      'not an object',
    ]);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ received: 7, recorded: 2, unchanged: 0, superseded: 0 });
    expect(body.rejected.map((r: { index: number; field: string }) => [r.index, r.field])).toEqual([
      [1, 'items.1.rating'],
      [2, 'items.2.userId'],
      [3, 'items.3.rating'],
      [5, 'items.5.at'],
      [6, 'items.6'],
    ]);
    const stored = await svc.sql(
      sql`select to_json(updated_at) #>> '{}' as at, source from user_movie_interactions where user_id = ${b}`,
    );
    expect(stored.rows).toEqual([{ at: '2002-12-31T22:00:00+00:00', source: 'push' }]);
    const [event] = await eventually(() => eventsOf(a).length === 1 && eventsOf(a), { what: 'imported event' });
    expect(event?.data).toMatchObject({ interactionType: 'rating', rating: 4, at: '2001-02-03T04:05:06.000Z' });
  });

  it('When the same batch is imported again, then nothing is written or published', async () => {
    const user = newUserId();
    const items = [31, 32, 33].map((movieId, i) => ({
      userId: user,
      movieId,
      type: 'rating',
      rating: i + 1,
      at: '2010-05-05T10:00:00Z',
    }));
    expect((await importBatch(items)).json()).toMatchObject({ recorded: 3, unchanged: 0, rejected: [] });
    expect((await importBatch(items)).json()).toMatchObject({ recorded: 0, unchanged: 3, rejected: [] });
    const outbox = await svc.sql(sql`select count(*)::int as n from outbox_written where key = ${user}`);
    expect((outbox.rows[0] as { n: number }).n).toBe(3);
  });

  it('When rows of one batch compete for a slot, then the latest wins and the rest count as superseded', async () => {
    const user = newUserId();
    const res = await importBatch([
      { userId: user, movieId: 34, type: 'like', at: '2010-01-01T00:00:00Z' },
      { userId: user, movieId: 34, type: 'dislike', at: '2011-01-01T00:00:00Z' },
    ]);
    expect(res.json()).toMatchObject({ recorded: 1, superseded: 1 });
    expect(await countRows(sql`user_id = ${user} and interaction_type = 'dislike'`)).toBe(1);
  });

  it('When a non-admin imports, or a batch is empty or too big, then it is refused', async () => {
    expect((await importBatch([{}], 'user')).statusCode).toBe(403);
    expect((await importBatch([])).statusCode).toBe(400);
    const tooMany = Array.from({ length: svc.config.BULK_MAX_ITEMS + 1 }, () => ({}));
    expect((await importBatch(tooMany)).statusCode).toBe(400);
  });
});

describe('consumers and GDPR', () => {
  it('When movie.deleted arrives, then its interactions go and nothing is published for them', async () => {
    const user = newUserId();
    await importBatch([{ userId: user, movieId: 33, type: 'favorite', at: '2012-01-01T00:00:00Z' }]);
    await eventually(() => eventsOf(user).length === 1, { what: 'favorite event' });
    await svc.publish(movieDeleted(33));
    await eventually(async () => (await countRows(sql`movie_id = 33`)) === 0, { what: 'movie 33 erased' });
    const known = await svc.sql(sql`select 1 from known_movies where movie_id = 33`);
    expect(known.rows).toEqual([]);
    const put = await svc.app.inject({
      method: 'PUT',
      url: '/v1/me/interactions/33/like',
      headers: await svc.as(user),
    });
    expect(put.statusCode).toBe(503);
    await new Promise((r) => setTimeout(r, 500));
    expect(eventsOf(user).length).toBe(1);
  });

  it('When user.deleted arrives twice, then their interactions go once and no outbox row of theirs stays', async () => {
    const user = newUserId();
    const bystander = newUserId();
    await importBatch([
      { userId: user, movieId: 31, type: 'view', at: '2012-01-01T00:00:00Z' },
      { userId: bystander, movieId: 31, type: 'view', at: '2012-01-01T00:00:00Z' },
    ]);
    await eventually(() => eventsOf(user).length === 1, { what: 'interaction.recorded published' });
    const event = userDeleted(user);
    await svc.publish(event);
    await svc.publish(event);
    await eventually(async () => (await countRows(sql`user_id = ${user}`)) === 0, { what: 'user erased' });
    // The relay deleted the row Kafka took: nothing of the user's stays in the outbox.
    await eventually(
      async () => {
        const outbox = await svc.sql(sql`select count(*)::int as n from outbox where key = ${user}`);
        return (outbox.rows[0] as { n: number }).n === 0;
      },
      { what: 'no outbox row of the erased user' },
    );
    expect(await countRows(sql`user_id = ${bystander}`)).toBe(1);
    await eventually(() => (svc.consumers[0]?.stats.duplicates ?? 0) >= 1, { what: 'redelivery seen as duplicate' });
  });

  it('When GDPR export is requested over NATS, then every interaction of that user comes back and no other', async () => {
    const user = newUserId();
    await importBatch([
      {
        userId: user,
        movieId: 31,
        type: 'rating',
        rating: 5,
        feedbackType: 'positive',
        feedbackComment: 'Loved the score',
        at: '2014-01-01T00:00:00Z',
      },
      { userId: user, movieId: 32, type: 'watchlist', at: '2015-01-01T00:00:00Z' },
      { userId: newUserId(), movieId: 32, type: 'watchlist', at: '2015-01-01T00:00:00Z' },
    ]);
    const subject = `${svc.config.NATS_SUBJECT_PREFIX}${Subjects.gdprExport('interaction')}`;
    const exported = await requestJson<InteractionExport>(svc.deps.nats, subject, { userId: user }, 5_000);
    expect(exported.service).toBe('interaction');
    expect(exported.interactions.map((i) => [i.movieId, i.type])).toEqual([
      [32, 'watchlist'],
      [31, 'rating'],
    ]);
    // Imported comments are stored encrypted like live ones; the user's own export reads them in clear.
    expect(exported.interactions[1]?.feedbackComment).toBe('Loved the score');
    const stored = await svc.sql(
      sql`select feedback_comment as c from user_movie_interactions where user_id = ${user} and movie_id = 31`,
    );
    expect((stored.rows[0] as { c: string }).c).toMatch(/^v1:k1:/);
    await expect(requestJson(svc.deps.nats, subject, { userId: 'x' }, 5_000)).rejects.toThrow('uuid');
  });
});
