import type { Logger } from '@marquee/platform-logging';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Database } from './index';
import { underMigrationLock } from './migration-lock';

const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
const userName = (url: string) => decodeURIComponent(new URL(url).username);
const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const codeOf = (err: unknown) => (err as { code?: string }).code;

/**
 * Creates the database named in url when it does not exist yet (idempotent, safe under races).
 * A role that may not create databases gets an error saying who must create it.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  if (!name) throw new Error(`database URL names no database: ${url}`);
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return;
  } catch (err) {
    // 3D000 invalid_catalog_name: the database is missing; anything else is a real failure.
    if (codeOf(err) !== '3D000') throw err;
  } finally {
    await probe.end().catch(() => {});
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`create database ${quoteIdent(name)}`);
  } catch (err) {
    // 42P04 duplicate_database, 23505 unique_violation: another process created it first.
    if (codeOf(err) === '42P04' || codeOf(err) === '23505') return;
    if (codeOf(err) === '42501') {
      throw new Error(
        `database "${name}" does not exist and role "${userName(url)}" may not create it: create it with its roles first (deploy/local/create-databases.sh)`,
      );
    }
    throw err;
  } finally {
    await client.end();
  }
}

/**
 * Lets the application role use what the owner creates, now and in later migrations: connect,
 * use the schema, read and write rows and sequences; never create, alter or drop. Other roles
 * (other services') lose the default CONNECT. Run as the owner; idempotent.
 */
async function grantApplicationRole(client: pg.ClientBase, database: string, appRole: string): Promise<void> {
  const db = quoteIdent(database);
  const app = quoteIdent(appRole);
  await client.query(`revoke all on database ${db} from public`);
  await client.query(`grant connect, temporary on database ${db} to ${app}`);
  await client.query(`grant usage on schema public to ${app}`);
  await client.query(
    `alter default privileges in schema public grant select, insert, update, delete on tables to ${app}`,
  );
  await client.query(`alter default privileges in schema public grant usage, select on sequences to ${app}`);
  await client.query(`grant select, insert, update, delete on all tables in schema public to ${app}`);
  await client.query(`grant usage, select on all sequences in schema public to ${app}`);
}

export interface PrepareOptions {
  /** The application role's URL (DATABASE_URL): what requests and consumers connect with. */
  appUrl: string;
  /** The owner's URL (DATABASE_OWNER_URL): runs migrations and owns the tables. Same as appUrl for one role. */
  ownerUrl: string;
  migrationsFolder: string;
  logger?: Logger;
}

/**
 * Makes a service's database ready before it serves: created if missing (when the owner may),
 * the application role granted its privileges, migrations applied as the owner, all under the
 * migration lock so replicas starting together take turns.
 */
export async function prepareDatabase(opts: PrepareOptions): Promise<void> {
  const started = Date.now();
  const database = databaseName(opts.ownerUrl);
  if (databaseName(opts.appUrl) !== database) {
    throw new Error(
      `DATABASE_URL names database "${databaseName(opts.appUrl)}" but DATABASE_OWNER_URL names "${database}"; they must name the same one`,
    );
  }
  const appRole = userName(opts.appUrl);
  const split = appRole !== userName(opts.ownerUrl);
  if (split && !appRole) throw new Error('DATABASE_URL names no user: the application role must be explicit');
  await ensureDatabase(opts.ownerUrl);
  const owner = new pg.Client({ connectionString: opts.ownerUrl, application_name: 'migrations' });
  await owner.connect();
  try {
    await underMigrationLock(owner, async () => {
      if (split) await grantApplicationRole(owner, database, appRole);
      await migrate(drizzle(owner), { migrationsFolder: opts.migrationsFolder });
    });
  } finally {
    await owner.end();
  }
  opts.logger?.info(
    { folder: opts.migrationsFolder, ms: Date.now() - started, appRole: split ? appRole : undefined },
    'database prepared',
  );
}

/** How the connected role escapes row-level security (superuser or BYPASSRLS), or undefined. */
export async function rowSecurityBypass(database: Database): Promise<string | undefined> {
  const { rows } = await database.pool.query<{ role: string; rolsuper: boolean; rolbypassrls: boolean }>(
    'select current_user as role, rolsuper, rolbypassrls from pg_roles where rolname = current_user',
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.rolsuper) return `role "${row.role}" is a superuser`;
  if (row.rolbypassrls) return `role "${row.role}" has BYPASSRLS`;
  return undefined;
}

/**
 * Runs owner-only maintenance (VACUUM, ANALYZE) on a connection of its own as the owner; without
 * an owner URL (one role does both) on database. The application role may not vacuum tables.
 */
export async function maintainAsOwner(ownerUrl: string | undefined, database: Database, text: string): Promise<void> {
  if (!ownerUrl) {
    await database.pool.query(text);
    return;
  }
  const owner = new pg.Client({ connectionString: ownerUrl, application_name: 'maintenance' });
  await owner.connect();
  try {
    await owner.query(text);
  } finally {
    await owner.end();
  }
}
