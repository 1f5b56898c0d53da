import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ownerAlive, ownerId } from './ownership';

/** A login role of the test run and its password. */
export interface TestRole {
  name: string;
  password: string;
}

/**
 * The run's two roles, shaped like a service's in production: the owner runs migrations and owns
 * the tables; the application role (no superuser, no BYPASSRLS, no CREATE) is what services under
 * test connect as. The owner may also create databases, because services create their test database.
 */
export interface RunRoles {
  owner: TestRole;
  app: TestRole;
}

// Role names are cluster-wide: the run id keeps overlapping runs (and their sweeps) apart.
const roleNames = (runId: string) => ({ owner: `t_${runId}_owner`, app: `t_${runId}_app` });
const ROLE_PATTERN = '^t_(r[a-z0-9]+)_owner$';
const MAX_AGE_MS = 24 * 3600_000;

async function withAdmin<T>(adminUrl: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createRunRoles(adminUrl: string, runId: string): Promise<RunRoles> {
  const names = roleNames(runId);
  const roles: RunRoles = {
    owner: { name: names.owner, password: randomBytes(18).toString('base64url') },
    app: { name: names.app, password: randomBytes(18).toString('base64url') },
  };
  const note = JSON.stringify({ owner: ownerId(), started: Date.now() });
  await withAdmin(adminUrl, async (c) => {
    const base = 'login nosuperuser nocreaterole noreplication nobypassrls';
    const { owner, app } = roles;
    // One transaction: a concurrent sweep never sees the owner role without its note.
    await c.query('begin');
    await c.query(
      `create role ${c.escapeIdentifier(owner.name)} ${base} createdb password ${c.escapeLiteral(owner.password)}`,
    );
    await c.query(
      `create role ${c.escapeIdentifier(app.name)} ${base} nocreatedb password ${c.escapeLiteral(app.password)}`,
    );
    await c.query(`comment on role ${c.escapeIdentifier(owner.name)} is ${c.escapeLiteral(note)}`);
    await c.query('commit');
  });
  return roles;
}

/** The admin URL turned into role's URL for database. */
export function roleUrl(adminUrl: string, role: TestRole, database: string): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(role.name);
  url.password = encodeURIComponent(role.password);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Drops the run's databases that are still there (its owner's, and every `t_<runId>_*`), then its roles. */
export async function dropRun(adminUrl: string, runId: string): Promise<void> {
  const { owner, app } = roleNames(runId);
  await withAdmin(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `select datname from pg_database
        where datdba = (select oid from pg_roles where rolname = $1) or starts_with(datname, $2)`,
      [owner, `t_${runId}_`],
    );
    for (const { datname } of rows)
      await c.query(`drop database if exists ${c.escapeIdentifier(datname)} with (force)`);
    await c.query(`drop role if exists ${c.escapeIdentifier(app)}`);
    await c.query(`drop role if exists ${c.escapeIdentifier(owner)}`);
  });
}

/**
 * Drops the roles and databases of runs whose test process is gone (crashed or killed before its
 * teardown) or that started over a day ago. Live overlapping runs are left alone. Returns run ids.
 */
export async function sweepDeadRuns(adminUrl: string): Promise<string[]> {
  const { rows } = await withAdmin(adminUrl, (c) =>
    c.query<{ run_id: string; note: string | null }>(
      `select substring(rolname from $1) as run_id, shobj_description(oid, 'pg_authid') as note
         from pg_roles where rolname ~ $1`,
      [ROLE_PATTERN],
    ),
  );
  const swept: string[] = [];
  for (const { run_id: runId, note } of rows) {
    let parsed: { owner?: string; started?: number } = {};
    try {
      parsed = JSON.parse(note ?? '{}');
    } catch {}
    const { owner, started } = parsed;
    const stale = !started || Date.now() - started > MAX_AGE_MS;
    if (ownerAlive(owner) && !stale) continue;
    // Another run's sweep may drop the same leftovers at the same time: whoever is second finds nothing.
    await dropRun(adminUrl, runId).catch(() => {});
    swept.push(runId);
  }
  return swept;
}
