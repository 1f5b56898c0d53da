import { testInfra } from '@marquee/platform-testing';
import { freePort } from '@marquee/platform-testing/ports';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONNECT_TIMEOUT_MS, openDatabase, transientFailure } from '../src/index';

/** An error as PostgreSQL answers it (pg's DatabaseError with its SQLSTATE). */
function answered(code: string): pg.DatabaseError {
  const err = new pg.DatabaseError('answered', 0, 'error');
  err.code = code;
  return err;
}
/** As drizzle throws it: "Failed query: …" with the driver's error as its cause. */
const wrapped = (cause: unknown) => Object.assign(new Error('Failed query: select 1'), { cause });

describe('transientFailure', () => {
  it("When the failure is the database's state (connection, shutdown, resources, a lost race), then it is transient, wrapped or not", () => {
    for (const code of ['08006', '08001', '57P01', '57P03', '53300', '53100', '58030', '40001', '40P01', '55P03']) {
      expect(transientFailure(answered(code)), code).toBe(true);
      expect(transientFailure(wrapped(answered(code))), `wrapped ${code}`).toBe(true);
    }
    expect(transientFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(transientFailure(wrapped(new Error('Client has encountered a connection error and is not queryable')))).toBe(
      true,
    );
    expect(transientFailure(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it("When the failure is the statement's or the data's, then it is not", () => {
    for (const code of ['23505', '23514', '22P02', '42P01', '42501', '57014', 'P0001']) {
      expect(transientFailure(answered(code)), code).toBe(false);
      expect(transientFailure(wrapped(answered(code))), `wrapped ${code}`).toBe(false);
    }
    expect(transientFailure(new Error('cannot handle movie 666'))).toBe(false);
    expect(transientFailure(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(transientFailure(undefined)).toBe(false);
  });

  it('When a connection is refused, then the driver error it gives is transient', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: await freePort(), user: 'nobody', database: 'none' });
    const err = await client.connect().catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ECONNREFUSED');
    expect(transientFailure(err)).toBe(true);
  });

  it('When every pooled connection stays in use, then a query fails after the connect timeout with a transient error instead of waiting', async () => {
    expect(DEFAULT_CONNECT_TIMEOUT_MS).toBeGreaterThan(0);
    const database = openDatabase(testInfra().postgresAdminUrl, { max: 1, connectTimeoutMs: 300 });
    const held = await database.pool.connect();
    try {
      const started = Date.now();
      const err = await database.pool.query('select 1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(transientFailure(err)).toBe(true);
    } finally {
      held.release();
    }
    // The pool serves again once a connection is free.
    expect((await database.pool.query<{ n: number }>('select 1 as n')).rows[0]?.n).toBe(1);
    await database.close();
  });
});
