import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ownerId } from '../src/ownership';
import { testInfra } from '../src/isolation';
import { createRunRoles, dropRun, sweepDeadRuns } from '../src/run-roles';

const adminUrl = () => testInfra().postgresAdminUrl;
const fakeRuns: string[] = [];

async function admin<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** A run's roles and one database, noted as owned by `owner` and started at `started`. */
async function fakeRun(owner: string, started: number): Promise<string> {
  const runId = `r${randomBytes(6).toString('hex')}`;
  fakeRuns.push(runId);
  await createRunRoles(adminUrl(), runId);
  await admin(async (c) => {
    await c.query(`comment on role "t_${runId}_owner" is ${c.escapeLiteral(JSON.stringify({ owner, started }))}`);
    await c.query(`create database "t_${runId}_left" owner "t_${runId}_owner"`);
  });
  return runId;
}

async function leftovers(runId: string) {
  return admin(async (c) => ({
    roles: (
      await c.query('select rolname from pg_roles where starts_with(rolname, $1) order by 1', [`t_${runId}_`])
    ).rows.map((r) => r.rolname),
    databases: (
      await c.query('select datname from pg_database where starts_with(datname, $1)', [`t_${runId}_`])
    ).rows.map((r) => r.datname),
  }));
}

afterAll(async () => {
  for (const runId of fakeRuns) await dropRun(adminUrl(), runId);
});

describe("the test run's roles", () => {
  it('When the run starts, then its services connect as an application role with no superuser, BYPASSRLS or CREATEDB', async () => {
    const { roles } = testInfra();
    const attrs = await admin(
      async (c) =>
        (
          await c.query(
            'select rolname, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole from pg_roles where rolname = any($1) order by rolname',
            [[roles.app.name, roles.owner.name]],
          )
        ).rows,
    );
    expect(attrs).toEqual([
      { rolname: roles.app.name, rolsuper: false, rolbypassrls: false, rolcreatedb: false, rolcreaterole: false },
      { rolname: roles.owner.name, rolsuper: false, rolbypassrls: false, rolcreatedb: true, rolcreaterole: false },
    ]);
  });

  it("When a run's process is gone or it began over a day ago, then a sweep drops its roles and databases; a live run keeps them", async () => {
    const [host] = ownerId().split(':');
    const dead = await fakeRun(`${host}:999999999:1`, Date.now());
    const old = await fakeRun(ownerId(), Date.now() - 25 * 3600_000);
    const live = await fakeRun(ownerId(), Date.now());
    // Overlapping runs sweep too: what counts is what is left, not who swept it.
    await sweepDeadRuns(adminUrl());
    expect(await leftovers(dead)).toEqual({ roles: [], databases: [] });
    expect(await leftovers(old)).toEqual({ roles: [], databases: [] });
    expect(await leftovers(live)).toEqual({
      roles: [`t_${live}_app`, `t_${live}_owner`],
      databases: [`t_${live}_left`],
    });
  });
});
