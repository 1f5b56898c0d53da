/**
 * deploy/local/create-databases.sh (what `./marquee up` runs before starting services) against the
 * run's real PostgreSQL: roles and database made as a service needs them, and the service's own
 * start-up (prepareDatabase as owner) leaving the application role able to use rows and nothing more.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { prepareDatabase } from '../src/index';
import { repoRoot, testInfra, uniqueName } from '@marquee/platform-testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

const script = path.join(repoRoot, 'deploy/local/create-databases.sh');
const created: string[] = [];

async function createDatabases(services: string[], env: Record<string, string> = {}) {
  const result = await promisify(execFile)('bash', [script, ...services], {
    env: { PATH: process.env.PATH ?? '', DATABASE_ADMIN_URL: testInfra().postgresAdminUrl, ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
  return result;
}

function newService(): string {
  const svc = uniqueName('cdb');
  created.push(svc);
  return svc;
}

async function admin<T>(database: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(testInfra().postgresAdminUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const sqlState = (err: unknown) => (err as { code?: string }).code;

afterAll(async () => {
  await admin('postgres', async (c) => {
    for (const svc of created) {
      await c.query(`drop database if exists "marquee_${svc}" with (force)`);
      await c.query(`drop role if exists "marquee_${svc}_app"`);
      await c.query(`drop role if exists "marquee_${svc}_owner"`);
    }
  });
});

describe('deploy/local/create-databases.sh', () => {
  it('When it runs for a service, then it prints the app and owner URLs of a database the owner owns, and neither role can bypass anything', async () => {
    const svc = newService();
    const run = await createDatabases([svc], {
      [`MARQUEE_DB_PASSWORD_${svc.toUpperCase()}_OWNER`]: 'owner-secret',
      [`MARQUEE_DB_PASSWORD_${svc.toUpperCase()}_APP`]: 'app-secret',
    });
    expect(run.code, run.stderr).toBe(0);
    const [name, appUrl, ownerUrl] = run.stdout.trim().split(' ');
    expect(name).toBe(svc);
    expect(new URL(appUrl as string)).toMatchObject({
      username: `marquee_${svc}_app`,
      password: 'app-secret',
      pathname: `/marquee_${svc}`,
    });
    expect(new URL(ownerUrl as string)).toMatchObject({ username: `marquee_${svc}_owner`, password: 'owner-secret' });
    const roles = await admin(
      'postgres',
      async (c) =>
        (
          await c.query(
            `select rolname, rolcanlogin, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, rolreplication
             from pg_roles where rolname = any($1) order by rolname`,
            [[`marquee_${svc}_app`, `marquee_${svc}_owner`]],
          )
        ).rows,
    );
    const locked = {
      rolcanlogin: true,
      rolsuper: false,
      rolbypassrls: false,
      rolcreatedb: false,
      rolcreaterole: false,
      rolreplication: false,
    };
    expect(roles).toEqual([
      { rolname: `marquee_${svc}_app`, ...locked },
      { rolname: `marquee_${svc}_owner`, ...locked },
    ]);
    const owner = await admin(
      'postgres',
      async (c) =>
        (
          await c.query('select pg_get_userbyid(datdba) as owner from pg_database where datname = $1', [
            `marquee_${svc}`,
          ])
        ).rows[0],
    );
    expect(owner).toEqual({ owner: `marquee_${svc}_owner` });
  });

  it('When the service then prepares its database as the owner, then its application role uses the rows and cannot change the schema', async () => {
    const svc = newService();
    const run = await createDatabases([svc], { MARQUEE_DB_PASSWORD: 'shared-dev-password' });
    expect(run.code, run.stderr).toBe(0);
    const [, appUrl, ownerUrl] = run.stdout.trim().split(' ') as [string, string, string];
    await prepareDatabase({
      appUrl,
      ownerUrl,
      migrationsFolder: path.join(repoRoot, 'packages/platform-events/migrations'),
    });
    const app = new pg.Client({ connectionString: appUrl });
    await app.connect();
    try {
      await app.query(
        `insert into outbox (id, topic, key, type, payload) values (gen_random_uuid(), 't', 'k', 'x', '{}')`,
      );
      expect((await app.query('select count(*)::int as n from outbox')).rows[0].n).toBe(1);
      for (const ddl of [
        'create table stash (id int)',
        'alter table outbox add column x int',
        'drop table outbox',
        'truncate outbox',
      ]) {
        await expect(app.query(ddl).catch(sqlState), ddl).resolves.toBe('42501');
      }
    } finally {
      await app.end();
    }
  });

  it('When two runs overlap and a later run changes the passwords, then both succeed and the roles take the new ones', async () => {
    const svc = newService();
    const both = await Promise.all([
      createDatabases([svc], { MARQUEE_DB_PASSWORD: 'first-password' }),
      createDatabases([svc], { MARQUEE_DB_PASSWORD: 'first-password' }),
    ]);
    expect(both.map((r) => r.code)).toEqual([0, 0]);
    const secrets = () =>
      admin(
        'postgres',
        async (c) =>
          (await c.query('select rolpassword from pg_authid where rolname = $1', [`marquee_${svc}_app`])).rows[0]
            .rolpassword,
      );
    const before = await secrets();
    expect((await createDatabases([svc], { MARQUEE_DB_PASSWORD: 'second-password' })).code).toBe(0);
    expect(await secrets()).not.toBe(before);
  });

  it('When a database was made before the split by another role, then the owner takes over its tables and functions', async () => {
    const svc = newService();
    await admin('postgres', (c) => c.query(`create database "marquee_${svc}"`));
    await admin(`marquee_${svc}`, async (c) => {
      await c.query('create table legacy (id int primary key)');
      await c.query('create function legacy_double(int) returns int language sql immutable as $$ select $1 * 2 $$');
    });
    const run = await createDatabases([svc], { MARQUEE_DB_PASSWORD: 'dev-password' });
    expect(run.code, run.stderr).toBe(0);
    const owners = await admin(`marquee_${svc}`, async (c) => ({
      table: (await c.query(`select tableowner from pg_tables where tablename = 'legacy'`)).rows[0].tableowner,
      fn: (await c.query(`select pg_get_userbyid(proowner) as o from pg_proc where proname = 'legacy_double'`)).rows[0]
        .o,
    }));
    expect(owners).toEqual({ table: `marquee_${svc}_owner`, fn: `marquee_${svc}_owner` });
  });

  it('When a password is missing or unsafe in a URL, then it exits 2 naming the variable and creates nothing', async () => {
    const svc = newService();
    const missing = await createDatabases([svc]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`MARQUEE_DB_PASSWORD_${svc.toUpperCase()}_OWNER`);
    const unsafe = await createDatabases([svc], { MARQUEE_DB_PASSWORD: 'has space@and/slash' });
    expect(unsafe.code).toBe(2);
    expect(unsafe.stderr).toContain('must be [A-Za-z0-9._~-]+');
    const roles = await admin(
      'postgres',
      async (c) =>
        (await c.query('select count(*)::int as n from pg_roles where rolname like $1', [`marquee_${svc}%`])).rows[0].n,
    );
    expect(roles).toBe(0);
  });
});
