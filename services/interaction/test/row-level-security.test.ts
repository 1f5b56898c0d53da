import { forAllUsers, withUser } from '@marquee/platform-db';
import { rowSecurityProblems } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUserId, startTestInteraction, type TestInteraction } from './fixtures/interaction-env';

let svc: TestInteraction;
const alice = newUserId();
const bob = newUserId();

beforeAll(async () => {
  svc = await startTestInteraction('interaction-rls');
  await svc.knowMovies([41, 42]);
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
  await svc?.stop();
});

// The service's own connection: the run's application role (no superuser, no BYPASSRLS).
const usersIn = (rows: unknown[]) => rows.map((r) => (r as { user_id: string }).user_id);
const select = sql`select user_id from user_movie_interactions order by movie_id`;

describe('row-level security on user_movie_interactions (as the application role)', () => {
  it('When the table is inspected, then it has the one forced user policy', async () => {
    expect(await rowSecurityProblems(svc.deps.database.pool)).toEqual([]);
  });

  it('When a query runs without a user setting, then it sees no row', async () => {
    expect(usersIn((await svc.deps.database.db.execute(select)).rows)).toEqual([]);
  });

  it("When the user setting names a user, then only that user's rows are visible", async () => {
    expect(usersIn(await withUser(svc.deps.database.db, bob, async (tx) => (await tx.execute(select)).rows))).toEqual([
      bob,
    ]);
    expect(usersIn(await withUser(svc.deps.database.db, alice, async (tx) => (await tx.execute(select)).rows))).toEqual(
      [alice, alice],
    );
  });

  it('When a transaction says it acts for every user, then every row is visible', async () => {
    const rows = await forAllUsers(svc.deps.database.db, async (tx) => (await tx.execute(select)).rows);
    expect(usersIn(rows).sort()).toEqual([alice, alice, bob].sort());
  });

  it("When a user's transaction writes a row for someone else, then PostgreSQL refuses it", async () => {
    await expect(
      withUser(svc.deps.database.db, alice, (tx) =>
        tx.execute(
          sql`insert into user_movie_interactions (user_id, movie_id, interaction_type) values (${bob}, 42, 'like')`,
        ),
      ),
    ).rejects.toMatchObject({ cause: { code: '42501' } });
  });
});
