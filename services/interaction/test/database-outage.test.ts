import { eventually, testInfra } from '@marquee/platform-testing';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUserId, startTestInteraction, type TestInteraction } from './fixtures/interaction-env';

let svc: TestInteraction;
let admin: pg.Client;
let database: string;

beforeAll(async () => {
  svc = await startTestInteraction('interaction-outage');
  await svc.knowMovies([21]);
  database = new URL(svc.env.DATABASE_URL as string).pathname.slice(1);
  admin = new pg.Client({ connectionString: testInfra().postgresAdminUrl });
  await admin.connect();
});
afterAll(async () => {
  // Whatever the test left, the service's database takes connections again before it is dropped.
  await admin?.query(`alter database "${database}" connection limit -1`).catch(() => {});
  await admin?.end();
  await svc?.stop();
});

const put = async (userId: string) =>
  svc.app.inject({ method: 'PUT', url: '/v1/me/interactions/21/like', headers: await svc.as(userId) });

describe('the database unavailable', () => {
  it("When the database refuses the service's connections, then writes and reads answer 503 SERVICE.UNAVAILABLE with Retry-After, and the same PUT succeeds once it is back", async () => {
    const user = newUserId();
    // The application role is not a superuser, so the limit holds for it: every new connection fails with 53300,
    // and the pool's open ones are ended (57P01), as when the server restarts.
    await admin.query(`alter database "${database}" connection limit 0`);
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database]);

    const refused = await put(user);
    expect(refused.statusCode, refused.body).toBe(503);
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.json().error).toMatchObject({ code: 'SERVICE.UNAVAILABLE', details: { dependency: 'database' } });
    const read = await svc.app.inject({ url: '/v1/me/library/favorites', headers: await svc.as(user) });
    expect(read.statusCode, read.body).toBe(503);
    expect(read.json().error.code).toBe('SERVICE.UNAVAILABLE');

    await admin.query(`alter database "${database}" connection limit -1`);
    const accepted = await eventually(
      async () => {
        const res = await put(user);
        return res.statusCode === 201 && res;
      },
      { what: 'the PUT accepted once the database is back', timeoutMs: 20_000 },
    );
    expect(accepted.json()).toMatchObject({ movieId: 21, type: 'like' });
    const rows = await svc.sql(sql`select count(*)::int as n from user_movie_interactions where user_id = ${user}`);
    expect((rows.rows[0] as { n: number }).n).toBe(1);
  });
});
