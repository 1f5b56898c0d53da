import type { Logger } from '@marquee/platform-logging';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

export type Db = NodePgDatabase<Record<string, unknown>>;
/** A drizzle transaction handle; outbox writes take one so they commit with the state change. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  pool: pg.Pool;
  db: Db;
  close(): Promise<void>;
}

export function openDatabase(url: string, opts: { max?: number; applicationName?: string } = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = drizzle(pool) as Db;
  return { pool, db, close: () => pool.end() };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Creates the database named in url when it does not exist yet (idempotent, safe under races). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`database URL names no database: ${url}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`create database ${quoteIdent(name)}`);
      } catch (err) {
        // 42P04 duplicate_database, 23505 unique_violation: another process created it first.
        const code = (err as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw err;
      }
    }
  } finally {
    await client.end();
  }
}

/** Applies drizzle-kit migrations from folder; a lock keeps concurrent replicas from racing. */
export async function applyMigrations(database: Database, folder: string, logger?: Logger): Promise<void> {
  const started = Date.now();
  const client = await database.pool.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', ['marquee.migrations']);
    await migrate(drizzle(client), { migrationsFolder: folder });
  } finally {
    await client.query('select pg_advisory_unlock(hashtext($1))', ['marquee.migrations']).catch(() => {});
    client.release();
  }
  logger?.info({ folder, ms: Date.now() - started }, 'migrations applied');
}

export async function checkDatabase(database: Database): Promise<void> {
  await database.pool.query('select 1');
}
