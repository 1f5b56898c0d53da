import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { type AnyPgColumn, pgPolicy } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Db, Tx } from './index';

/**
 * A transaction whose first statement sets its row-level security scope, sent with BEGIN as one simple query
 * (`begin; select set_config(...)`): one round trip where drizzle's transaction() takes two (BEGIN, then the
 * setting), on every user-scoped request. The work gets a drizzle instance over the transaction's connection;
 * it runs statements only (no nested transactions, no tx.rollback(): throwing rolls back), as every caller does.
 */
async function scopedTransaction<T>(db: Db, setting: string, work: (tx: Tx) => Promise<T>) {
  const pool = (db as Db & { $client?: unknown }).$client;
  // Every Db is openDatabase's drizzle over a pool: the transaction takes one of its connections.
  if (!(pool instanceof pg.Pool))
    throw new Error('withUser and forAllUsers need a database from openDatabase (a pg Pool)');
  const client = await pool.connect();
  // Set when the connection cannot be trusted any more: release() then closes it instead of pooling it.
  let broken: Error | undefined;
  try {
    let result: T;
    try {
      await client.query(`begin; ${setting}`);
      result = await work(drizzle(client) as unknown as Tx);
    } catch (err) {
      await client.query('rollback').catch((rollbackErr: Error) => {
        broken = rollbackErr;
      });
      throw err;
    }
    try {
      await client.query('commit');
    } catch (err) {
      // PostgreSQL refusing the commit ends the transaction; a connection that failed under it is closed.
      if (!hasSqlState(err)) broken = err as Error;
      throw err;
    }
    return result;
  } finally {
    client.release(broken);
  }
}

/** PostgreSQL's answer to a statement carries a SQLSTATE; a failed connection's error does not. */
function hasSqlState(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Runs work in a transaction that row-level security scopes to one user: user-owned tables carry
 * the policy `user_id::text = current_setting('marquee.user_id', true)`, so every statement in it
 * sees and writes only that user's rows. The setting ends with the transaction (is_local = true).
 */
export function withUser<T>(db: Db, userId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  return scopedTransaction(db, `select set_config('marquee.user_id', ${pg.escapeLiteral(userId)}, true)`, work);
}

/**
 * Runs work in a transaction that acts for every user (`marquee.all_users = on`): for consumers,
 * jobs, admin paths and lookups made before the user is known (login by email), which say so here.
 */
export function forAllUsers<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return scopedTransaction(db, "select set_config('marquee.all_users', 'on', true)", work);
}

/**
 * The one row-level security policy of a user-owned table, for its drizzle schema
 * (`pgTable(…, (t) => [userRowsPolicy('x_user_rows', t.userId)]).enableRLS()`). drizzle-kit writes
 * ENABLE and the policy; add `ALTER TABLE … FORCE ROW LEVEL SECURITY` to the generated migration
 * so the owner is held to it too.
 */
export function userRowsPolicy(name: string, userColumn: AnyPgColumn) {
  const rule = sql`current_setting('marquee.all_users', true) = 'on' or ${userColumn}::text = current_setting('marquee.user_id', true)`;
  return pgPolicy(name, { as: 'permissive', for: 'all', to: 'public', using: rule, withCheck: rule });
}
