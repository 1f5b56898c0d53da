import type pg from 'pg';

/** Runs work holding the migration lock, so replicas starting together migrate one at a time. */
export async function underMigrationLock<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('select pg_advisory_lock(hashtext($1))', ['marquee.migrations']);
  try {
    return await work();
  } finally {
    await client.query('select pg_advisory_unlock(hashtext($1))', ['marquee.migrations']).catch(() => {});
  }
}
