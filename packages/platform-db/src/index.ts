import type { Logger } from '@marquee/platform-logging';
import { tracePgQueries, tracingOn } from '@marquee/platform-tracing';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { underMigrationLock } from './migration-lock';

export { ensureDatabase, maintainAsOwner, type PrepareOptions, prepareDatabase, rowSecurityBypass } from './roles';
export { arrayLiteral, intArray, textArray } from './sql-arrays';
export { forAllUsers, userRowsPolicy, withUser } from './user-scope';

// With tracing on, a query run inside a recording span gets a CLIENT span (platform-tracing's pg.ts);
// every client of this pg module is covered, the relay's and the benches' alike.
if (tracingOn('pg')) tracePgQueries(pg.Client);

export type Db = NodePgDatabase<Record<string, unknown>>;
/** A drizzle transaction handle; outbox writes take one so they commit with the state change. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  pool: pg.Pool;
  db: Db;
  close(): Promise<void>;
}

/**
 * How long a query waits for a pooled connection (all in use, or a new one not established) before it fails with
 * pg's "timeout exceeded when trying to connect" (a transientFailure): pg waits forever by default, so a server that
 * stopped answering, or a pool held by stuck work, left every request hanging instead of failing.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export function openDatabase(
  url: string,
  opts: { max?: number; applicationName?: string; connectTimeoutMs?: number } = {},
): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Nor one in use: pg-pool takes its listener off a client while it is checked out, so a connection lost between
  // two statements of a transaction (the server restarted, the backend terminated) was an unhandled 'error' event.
  // The statement in flight or the next one fails instead, and the pool drops the client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = drizzle(pool) as Db;
  return { pool, db, close: () => pool.end() };
}

/** Applies drizzle-kit migrations from folder; a lock keeps concurrent replicas from racing. */
export async function applyMigrations(database: Database, folder: string, logger?: Logger): Promise<void> {
  const started = Date.now();
  const client = await database.pool.connect();
  try {
    await underMigrationLock(client, () => migrate(drizzle(client), { migrationsFolder: folder }));
  } finally {
    client.release();
  }
  logger?.info({ folder, ms: Date.now() - started }, 'migrations applied');
}

export async function checkDatabase(database: Database): Promise<void> {
  await database.pool.query('select 1');
}

/**
 * The error under drizzle's "Failed query" wrapper (PostgreSQL's answer, or the connection's failure), else the error
 * itself: the wrapper's message repeats the whole statement and hides the reason.
 */
export function queryFailure(err: unknown): unknown {
  return (err as { cause?: unknown } | undefined)?.cause ?? err;
}

/** An error PostgreSQL answered with, itself or as a driver error's cause; else undefined. */
function pgError(err: unknown): pg.DatabaseError | undefined {
  const e = queryFailure(err);
  return e instanceof pg.DatabaseError ? e : undefined;
}

/** The SQLSTATE of a PostgreSQL error, directly or as a driver error's cause; else undefined. */
export function sqlState(err: unknown): string | undefined {
  return pgError(err)?.code;
}

/** Node's codes for a connection that could not be made or was lost. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** pg's own messages for a lost or unobtainable connection (they carry no code). */
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

/**
 * Whether a failure is the database's state rather than the statement's: the connection refused, lost or timed out
 * (SQLSTATE class 08, Node's network codes, pg's messages), the server shutting down or not accepting connections yet
 * (57P01–57P03), out of resources (class 53: disk full, memory, too many connections) or a system error (class 58),
 * or a transaction that lost a race and would succeed when run again (40001 serialization, 40P01 deadlock, 55P03 lock
 * not available). The same work may succeed later; a data or constraint error (classes 22, 23) will not.
 */
export function transientFailure(err: unknown): boolean {
  const state = sqlState(err);
  if (state !== undefined)
    return /^(08|53|58)/.test(state) || ['57P01', '57P02', '57P03', '40001', '40P01', '55P03'].includes(state);
  const e = queryFailure(err) as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  return typeof e?.message === 'string' && CONNECTION_MESSAGES.test(e.message);
}

/** The constraint a PostgreSQL unique violation (23505) names, directly or as a driver error's cause; else undefined. */
export function uniqueViolation(err: unknown): string | undefined {
  const e = pgError(err);
  return e?.code === '23505' ? (e.constraint ?? 'unique') : undefined;
}
export {
  type BatchedWork,
  type BatchTiming,
  createInputBatcher,
  createWriteBatcher,
  type InputBatcher,
  type WriteBatcher,
  type WriteBatcherOptions,
  type WriteBatcherStats,
} from './write-batcher';
