import { randomUUID } from 'node:crypto';
import { InteractionRecorded, MovieDeleted, MovieUpserted, UserRegistered } from '@marquee/contracts';
import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { forAllUsers } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interaction, movie, user } from './events';
import { type Harness, settled, startHarness } from './helper';

// Recommendation split in its two halves on one database, Redis prefix and NATS prefix (in this process; WORKER_NICE 0
// leaves the test's priority alone, the lowering itself is platform-service's lifecycle test).
let issuer: TestIssuer;
let api: Harness;
let worker: Harness;
const ids = Array.from({ length: 12 }, (_, k) => k + 1);

async function get(h: Harness, url: string, token?: string) {
  const res = await h.rec.app.inject({
    method: 'GET',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.statusCode, body: res.json() };
}

beforeAll(async () => {
  issuer = await startTestIssuer();
  const fast = { RECOMMENDATION_FOLLOW_MS: '200', RECOMMENDATION_STORE_DELAY_MS: '0' };
  api = await startHarness(issuer.jwksUrl, { ...fast, SERVICE_ROLE: 'api' });
  worker = await startHarness(issuer.jwksUrl, { ...fast, SERVICE_ROLE: 'worker', WORKER_NICE: '0' }, api.env);
}, 180_000);

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await issuer?.close();
});

describe('recommendation split by SERVICE_ROLE', () => {
  it('When split, then only the worker consumes and only the api process serves the routes', async () => {
    expect(api.rec.consumers).toHaveLength(0);
    expect(worker.rec.consumers).toHaveLength(1);
    // Fold-ins keep content scores only where user.deleted is heard, so an erased user's go with it.
    expect(api.rec.ctx.keepsFoldIns).toBe(false);
    expect(worker.rec.ctx.keepsFoldIns).toBe(true);
    const token = await issuer.sign({ sub: randomUUID(), role: 'user' });
    expect((await get(api, '/v1/me/recommendations', token)).status).toBe(200);
    expect((await get(worker, '/v1/me/recommendations', token)).status).toBe(404);
  });

  it('When the worker projects movies, then the api process folds users in over them; a deleted one leaves its lists', {
    timeout: 180_000,
  }, async () => {
    // Both trained at start on an empty database: only following rec_movies brings the api's model these movies.
    for (const id of ids) await api.publish(MovieUpserted, String(id), movie(id, 2));
    await settled(async () => expect(api.rec.ctx.store.current.catalogue.movieIds.length).toBe(ids.length));
    // A user no event names: the api process folds them in itself on the read (cold start, favourite genre Drama).
    const coldStart = async () => {
      const id = randomUUID();
      await api.publish(UserRegistered, id, user(id, [3]));
      await settled(async () => {
        const { rows } = await forAllUsers(worker.rec.deps.database.db, (tx) =>
          tx.execute(sql`select 1 from rec_users where user_id = ${id}`),
        );
        expect(rows).toHaveLength(1);
      });
      const res = await get(api, '/v1/me/recommendations?limit=50', await issuer.sign({ sub: id, role: 'user' }));
      expect(res.status).toBe(200);
      return res.body.items.map((i: { movieId: number }) => i.movieId) as number[];
    };
    expect((await coldStart()).sort((a, b) => a - b)).toEqual(ids);
    await api.publish(MovieDeleted, '5', { movieId: 5, tmdbId: null, deletedAt: new Date().toISOString() });
    const index = api.rec.ctx.store.current.catalogue.index.get(5) as number;
    await settled(async () => expect(api.rec.ctx.store.current.deleted.has(index)).toBe(true));
    expect(await coldStart()).not.toContain(5);
  });

  it('When an admin commands a retrain of the api process, then the worker retrains too', {
    timeout: 180_000,
  }, async () => {
    const before = worker.rec.ctx.store.current.version as number;
    const id = randomUUID();
    await api.publish(InteractionRecorded, id, interaction(id, 3, 'like'));
    const res = await api.rec.app.inject({
      method: 'POST',
      url: '/v1/admin/recommendations/model/train',
      headers: { authorization: `Bearer ${await issuer.sign({ sub: randomUUID(), role: 'admin' })}` },
    });
    expect(res.statusCode).toBe(202);
    await settled(async () => expect(worker.rec.ctx.store.current.version).toBeGreaterThan(before));
    const { rows } = await api.rec.deps.database.db.execute<{ trigger: string }>(
      sql`select trigger from model_versions where id > ${before} order by id`,
    );
    expect(rows.map((r) => r.trigger)).toEqual(['command', 'follow']);
    // Neither follows its own command or the other's follow: no third training.
    await new Promise((r) => setTimeout(r, 1000));
    const again = await api.rec.deps.database.db.execute(sql`select 1 from model_versions where id > ${before}`);
    expect(again.rows).toHaveLength(2);
  });
});
