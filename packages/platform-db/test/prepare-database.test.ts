import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropDatabase, serviceTestEnv, testInfra } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, forAllUsers, openDatabase, prepareDatabase, rowSecurityBypass, withUser } from '../src/index';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const v1 = path.join(fixtures, 'migrations-v1');
const v2 = path.join(fixtures, 'migrations-v2');
const opened: Database[] = [];
const databases: string[] = [];

/** A fresh database's app and owner URLs (the run's roles), dropped after the file. */
function fresh(label: string) {
  const env = serviceTestEnv(label);
  databases.push(env.DATABASE_URL as string);
  return { appUrl: env.DATABASE_URL as string, ownerUrl: env.DATABASE_OWNER_URL as string };
}
function open(url: string): Database {
  const database = openDatabase(url, { max: 2 });
  opened.push(database);
  return database;
}
const alice = '0195f0a0-0000-7000-8000-00000000000a';
const bob = '0195f0a0-0000-7000-8000-00000000000b';
const notesOf = async (tx: Parameters<Parameters<typeof forAllUsers>[1]>[0]) =>
  (await tx.execute<{ user_id: string }>(sql`select user_id from notes order by id`)).rows.map((r) => r.user_id);

afterAll(async () => {
  for (const d of opened) await d.close();
  for (const url of databases) await dropDatabase(url);
});

describe('prepareDatabase, withUser and forAllUsers', () => {
  it("When a user-owned table has the policy, then the app role sees nothing without a user, the user's rows with one, all when acting for all", async () => {
    const urls = fresh('pdb-policy');
    await prepareDatabase({ ...urls, migrationsFolder: v1 });
    const { db } = open(urls.appUrl);
    await withUser(db, alice, (tx) => tx.execute(sql`insert into notes (user_id, body) values (${alice}, 'a')`));
    await withUser(db, bob, (tx) => tx.execute(sql`insert into notes (user_id, body) values (${bob}, 'b')`));

    expect((await db.execute(sql`select * from notes`)).rows).toEqual([]);
    expect(await withUser(db, alice, notesOf)).toEqual([alice]);
    expect(await withUser(db, bob, notesOf)).toEqual([bob]);
    expect(await forAllUsers(db, notesOf)).toEqual([alice, bob]);
    // The setting is local to its transaction: the pooled connection keeps nothing of it.
    expect((await db.execute(sql`select * from notes`)).rows).toEqual([]);
    const forged = withUser(db, alice, (tx) => tx.execute(sql`insert into notes (user_id, body) values (${bob}, 'x')`));
    await expect(forged).rejects.toThrow();
    expect(await forAllUsers(db, notesOf)).toEqual([alice, bob]);
  });

  it('When the work fails or the user id carries SQL, then nothing is written and the pooled connections stay usable', async () => {
    const urls = fresh('pdb-scope');
    await prepareDatabase({ ...urls, migrationsFolder: v1 });
    const { db } = open(urls.appUrl); // a pool of 2: every connection is reused below
    // The setting and BEGIN travel as one text: a quote in the id stays part of the id.
    const hostile =
      "x', true); insert into notes (user_id, body) values ('0195f0a0-0000-7000-8000-00000000000a', 'injected'); --";
    const seen = await withUser(db, hostile, async (tx) => {
      const setting = await tx.execute<{ v: string }>(sql`select current_setting('marquee.user_id', true) as v`);
      return { setting: setting.rows[0]?.v, notes: await notesOf(tx) };
    });
    expect(seen).toEqual({ setting: hostile, notes: [] });
    for (let i = 0; i < 3; i++) {
      const failing = withUser(db, alice, async (tx) => {
        await tx.execute(sql`insert into notes (user_id, body) values (${alice}, 'rolled back')`);
        await tx.execute(sql`select 1 / 0`);
      });
      await expect(failing).rejects.toMatchObject({ cause: { message: 'division by zero' } });
    }
    await withUser(db, alice, (tx) => tx.execute(sql`insert into notes (user_id, body) values (${alice}, 'kept')`));
    const bodies = await forAllUsers(db, async (tx) =>
      (await tx.execute<{ body: string }>(sql`select body from notes order by id`)).rows.map((r) => r.body),
    );
    expect(bodies).toEqual(['kept']);
  });

  it('When a later migration adds a table, then the app role uses it and its sequence with no grant of its own', async () => {
    const urls = fresh('pdb-later');
    await prepareDatabase({ ...urls, migrationsFolder: v1 });
    await prepareDatabase({ ...urls, migrationsFolder: v2 });
    const { db } = open(urls.appUrl);
    await db.execute(sql`insert into tags (name) values ('x'), ('y')`);
    expect((await db.execute(sql`select id, name from tags order by id`)).rows).toEqual([
      { id: 1, name: 'x' },
      { id: 2, name: 'y' },
    ]);
  });

  it('When two replicas prepare one new database at once, then both succeed and each migration applies once', async () => {
    const urls = fresh('pdb-race');
    await Promise.all([
      prepareDatabase({ ...urls, migrationsFolder: v2 }),
      prepareDatabase({ ...urls, migrationsFolder: v2 }),
    ]);
    const owner = open(urls.ownerUrl);
    const { rows } = await owner.pool.query('select count(*)::int as n from drizzle.__drizzle_migrations');
    expect(rows[0].n).toBe(2);
  });

  it('When the two URLs name different databases, then prepare refuses naming both variables', async () => {
    const a = fresh('pdb-a');
    const b = fresh('pdb-b');
    await expect(prepareDatabase({ appUrl: a.appUrl, ownerUrl: b.ownerUrl, migrationsFolder: v1 })).rejects.toThrow(
      /DATABASE_URL names database .* but DATABASE_OWNER_URL names/,
    );
  });

  it('When the database is missing and the owner may not create databases, then the error says who must create it', async () => {
    const { appUrl } = fresh('pdb-missing');
    await expect(prepareDatabase({ appUrl, ownerUrl: appUrl, migrationsFolder: v1 })).rejects.toThrow(
      /does not exist and role "t_.*_app" may not create it: create it with its roles first/,
    );
  });

  it('When a connection is a superuser, then rowSecurityBypass names it; the application role has no bypass', async () => {
    const urls = fresh('pdb-bypass');
    await prepareDatabase({ ...urls, migrationsFolder: v1 });
    const admin = new URL(testInfra().postgresAdminUrl);
    admin.pathname = new URL(urls.appUrl).pathname;
    expect(await rowSecurityBypass(open(admin.toString()))).toMatch(/is a superuser/);
    expect(await rowSecurityBypass(open(urls.appUrl))).toBeUndefined();
  });
});
