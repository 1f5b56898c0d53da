import { forAllUsers, withUser } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
import { rowSecurityProblems } from '@marquee/platform-testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTokens, users } from '../src/db/schema';
import { registerAccount, startTestAuth, type TestAuth } from './fixtures/auth-env';

let auth: TestAuth;
let alice: Awaited<ReturnType<typeof registerAccount>>;
let bob: Awaited<ReturnType<typeof registerAccount>>;

const db = () => auth.deps.database.db;
const sqlState = (err: unknown) =>
  (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
/** Runs text as the application role (auth's own pool) and returns the SQLSTATE it fails with. */
const refusal = async (text: string) =>
  auth.deps.database.pool.query(text).then(
    () => 'succeeded',
    (err) => sqlState(err),
  );

beforeAll(async () => {
  auth = await startTestAuth('auth-rls');
  alice = await registerAccount(auth.app);
  bob = await registerAccount(auth.app);
});
afterAll(async () => {
  await auth?.stop();
});

describe("row-level security on auth's users and refresh_tokens", () => {
  it('When auth runs, then it connects as a role that is neither superuser nor BYPASSRLS, not the tables owner', async () => {
    const { rows } = await auth.deps.database.pool.query(
      `select current_user as role, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole,
              (select tableowner from pg_tables where tablename = 'users') as owner
         from pg_roles where rolname = current_user`,
    );
    expect(rows[0]).toMatchObject({ rolsuper: false, rolbypassrls: false, rolcreatedb: false, rolcreaterole: false });
    expect(rows[0].owner).not.toBe(rows[0].role);
    expect(new URL(auth.env.DATABASE_URL as string).username).toBe(rows[0].role);
  });

  it('When the schema is read, then users and refresh_tokens have row-level security enabled, forced, with the one policy', async () => {
    expect(await rowSecurityProblems(auth.raw, { users: 'id' })).toEqual([]);
  });

  it('When a query runs without a user, then it sees no account and no session although both exist', async () => {
    expect((await auth.raw.query('select count(*)::int as n from users')).rows[0].n).toBeGreaterThanOrEqual(2);
    expect((await auth.raw.query('select count(*)::int as n from refresh_tokens')).rows[0].n).toBeGreaterThanOrEqual(2);
    expect(await db().select().from(users)).toEqual([]);
    expect(await db().select().from(refreshTokens)).toEqual([]);
    const updated = await db().update(users).set({ bio: 'changed' }).returning({ id: users.id });
    expect(updated).toEqual([]);
  });

  it("When a transaction is set to one user, then it sees only that user's rows, and cannot touch another's", async () => {
    const seen = await withUser(db(), alice.userId, async (tx) => ({
      users: (await tx.select({ id: users.id }).from(users)).map((r) => r.id),
      tokenOwners: [...new Set((await tx.select().from(refreshTokens)).map((r) => r.userId))],
      bobUpdated: await tx.update(users).set({ bio: 'mine now' }).where(sql`id = ${bob.userId}`).returning(),
      bobDeleted: await tx.delete(refreshTokens).where(sql`user_id = ${bob.userId}`).returning(),
    }));
    expect(seen).toEqual({ users: [alice.userId], tokenOwners: [alice.userId], bobUpdated: [], bobDeleted: [] });

    const forged = withUser(db(), alice.userId, (tx) =>
      tx.execute(
        sql`insert into refresh_tokens (id, family_id, user_id, token_hash, expires_at)
            values (gen_random_uuid(), gen_random_uuid(), ${bob.userId}, 'forged', now() + interval '1 day')`,
      ),
    );
    // 42501: new row violates row-level security policy (WITH CHECK).
    await expect(forged.catch(sqlState)).resolves.toBe('42501');
    const bobRow = await auth.raw.query('select bio from users where id = $1', [bob.userId]);
    expect(bobRow.rows[0].bio).toBe('');
  });

  it('When a path acts for all users explicitly, then it sees every account', async () => {
    const ids = await forAllUsers(db(), async (tx) => (await tx.select({ id: users.id }).from(users)).map((r) => r.id));
    expect(ids).toEqual(expect.arrayContaining([alice.userId, bob.userId]));
  });

  it('When the application role tries to alter, drop, create or switch row security off, then PostgreSQL refuses', async () => {
    expect(await refusal('alter table users disable row level security')).toBe('42501');
    expect(await refusal('alter table users no force row level security')).toBe('42501');
    expect(await refusal('drop policy users_own_row on users')).toBe('42501');
    expect(await refusal('drop table refresh_tokens')).toBe('42501');
    expect(await refusal('create table stash (id int)')).toBe('42501');
    expect(await refusal('alter role current_user bypassrls')).toBe('42501');
    // With row_security off, a query that a policy would filter fails instead of bypassing it.
    const off = await auth.deps.database.pool.connect();
    try {
      await off.query('set row_security = off');
      await expect(off.query('select id from users').catch(sqlState)).resolves.toBe('42501');
    } finally {
      await off.query('reset row_security');
      off.release();
    }
  });

  it('When the owner role that ran the migrations reads the tables, then FORCE holds it to the same policy', async () => {
    const owner = new pg.Client({ connectionString: auth.env.DATABASE_OWNER_URL });
    await owner.connect();
    try {
      expect((await owner.query('select count(*)::int as n from users')).rows[0].n).toBe(0);
      await owner.query('begin');
      await owner.query(`select set_config('marquee.user_id', $1, true)`, [bob.userId]);
      const { rows } = await owner.query('select id from users');
      await owner.query('commit');
      expect(rows.map((r) => r.id)).toEqual([bob.userId]);
    } finally {
      await owner.end();
    }
  });
});
