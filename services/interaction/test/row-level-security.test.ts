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

  // A batch of several users' PUTs (record_interactions, migration 0005): each row's statements run under its owner alone.
  const batchOf = (groups: { owner: string; rows: { user: string; movie: number }[] }[]) =>
    JSON.stringify(
      groups.map((g) => ({
        owner: g.owner,
        rows: g.rows.map((r, idx) => ({
          idx,
          user_id: r.user,
          movie_id: r.movie,
          interaction_type: 'watchlist',
          source: 'web',
        })),
      })),
    );
  const record = (batch: string) =>
    svc.deps.database.db.transaction(async (tx) => {
      const res = await tx.execute(sql`select kind, "userId" from record_interactions(${batch}::jsonb)`);
      const after = await tx.execute(sql`select current_setting('marquee.user_id', true) as setting`);
      return { rows: res.rows, setting: (after.rows[0] as { setting: string }).setting };
    });

  it("When a batch holds several users' rows, then each group is written as its owner and the scope is cleared after", async () => {
    const { rows, setting } = await record(
      batchOf([
        { owner: alice, rows: [{ user: alice, movie: 41 }] },
        { owner: bob, rows: [{ user: bob, movie: 42 }] },
      ]),
    );
    expect(rows).toEqual([
      { kind: 'created', userId: alice },
      { kind: 'created', userId: bob },
    ]);
    expect(setting).toBe('');
  });

  it("When a batch group's row names another user of the same batch whose row exists, then PostgreSQL refuses to update it and nothing of the batch is written", async () => {
    // bob's favorite of 41 exists (beforeAll); alice's group tries to rewrite it while bob's own group is in the batch.
    const before = await forAllUsers(
      svc.deps.database.db,
      async (tx) =>
        (
          await tx.execute(
            sql`select id, updated_at::text from user_movie_interactions where user_id = ${bob} and movie_id = 41 and interaction_type = 'favorite'`,
          )
        ).rows,
    );
    expect(before).toHaveLength(1);
    const attack = JSON.stringify([
      {
        owner: bob,
        rows: [{ idx: 0, user_id: bob, movie_id: 42, interaction_type: 'view', source: 'web' }],
      },
      {
        owner: alice,
        rows: [{ idx: 1, user_id: bob, movie_id: 41, interaction_type: 'favorite', source: 'mobile' }],
      },
    ]);
    await expect(record(attack)).rejects.toMatchObject({ cause: { code: '42501' } });
    const after = await forAllUsers(
      svc.deps.database.db,
      async (tx) =>
        (
          await tx.execute(
            sql`select id, updated_at::text from user_movie_interactions where user_id = ${bob} and (movie_id = 41 and interaction_type = 'favorite' or movie_id = 42 and interaction_type = 'view')`,
          )
        ).rows,
    );
    expect(after).toEqual(before);
  });

  it('When a batch group holds a row of a user other than its owner, then PostgreSQL refuses it and nothing of the batch is written', async () => {
    await expect(
      record(
        batchOf([
          { owner: alice, rows: [{ user: alice, movie: 42 }] },
          { owner: bob, rows: [{ user: alice, movie: 41 }] },
        ]),
      ),
    ).rejects.toMatchObject({ cause: { code: '42501' } });
    const rows = await forAllUsers(
      svc.deps.database.db,
      async (tx) =>
        (
          await tx.execute(
            sql`select user_id from user_movie_interactions where interaction_type = 'watchlist' and movie_id = 42`,
          )
        ).rows,
    );
    expect(usersIn(rows)).toEqual([bob]);
  });
});
