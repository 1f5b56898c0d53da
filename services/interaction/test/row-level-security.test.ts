import { uniqueName } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUserId, startTestInteraction, type TestInteraction } from './fixtures/interaction-env';

let svc: TestInteraction;
const appRole = uniqueName('interaction_app');
const alice = newUserId();
const bob = newUserId();

beforeAll(async () => {
  svc = await startTestInteraction('interaction-rls');
  await svc.knowMovies([41, 42]);
  // The same kind of role the services serve requests with: no superuser, no BYPASSRLS.
  await svc.deps.database.pool.query(`create role "${appRole}" nologin nosuperuser nobypassrls`);
  await svc.deps.database.pool.query(`grant select, insert, update, delete on user_movie_interactions to "${appRole}"`);
  for (const [user, movie] of [
    [alice, 41],
    [alice, 42],
    [bob, 41],
  ] as const) {
    const res = await svc.app.inject({
      method: 'PUT',
      url: `/v1/me/interactions/${movie}/favorite`,
      headers: await svc.as(user),
    });
    expect(res.statusCode).toBe(201);
  }
});
afterAll(async () => {
  await svc?.deps.database.pool.query(`drop owned by "${appRole}"`).catch(() => {});
  await svc?.deps.database.pool.query(`drop role if exists "${appRole}"`).catch(() => {});
  await svc?.stop();
});

/** Runs one statement as the application role, with the given settings for the transaction. */
async function asAppRole(settings: Record<string, string>, query: ReturnType<typeof sql>) {
  return svc.deps.database.db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local role "${appRole}"`));
    for (const [k, v] of Object.entries(settings)) await tx.execute(sql`select set_config(${k}, ${v}, true)`);
    return (await tx.execute(query)).rows;
  });
}
const usersSeen = async (settings: Record<string, string>) =>
  (await asAppRole(settings, sql`select user_id from user_movie_interactions order by movie_id`)).map(
    (r) => (r as { user_id: string }).user_id,
  );

describe('row-level security on user_movie_interactions', () => {
  it('When the application role queries without a user setting, then it sees no row', async () => {
    expect(await usersSeen({})).toEqual([]);
  });

  it("When the user setting names a user, then only that user's rows are visible", async () => {
    expect(await usersSeen({ 'marquee.user_id': bob })).toEqual([bob]);
    expect(await usersSeen({ 'marquee.user_id': alice })).toEqual([alice, alice]);
  });

  it('When a transaction says it acts for every user, then every row is visible', async () => {
    expect((await usersSeen({ 'marquee.all_users': 'on' })).sort()).toEqual([alice, alice, bob].sort());
  });

  it("When a user's transaction writes a row for someone else, then PostgreSQL refuses it", async () => {
    await expect(
      asAppRole(
        { 'marquee.user_id': alice },
        sql`insert into user_movie_interactions (user_id, movie_id, interaction_type) values (${bob}, 42, 'like')`,
      ),
    ).rejects.toMatchObject({ cause: { code: '42501' } });
  });
});
