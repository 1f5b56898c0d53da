import { forAllUsers } from '@marquee/platform-db';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { AuthContext } from '../context';
import { users } from '../db/schema';
import { reencryptSigningKeys } from '../keys/signing-keys';
import { piiContext } from './user-record';

const COLUMNS = [
  { column: 'emailEncrypted', context: piiContext.email },
  { column: 'dateOfBirthEncrypted', context: piiContext.dateOfBirth },
  { column: 'phoneEncrypted', context: piiContext.phone },
  { column: 'deviceTokenEncrypted', context: piiContext.deviceToken },
  { column: 'dataKeyEncrypted', context: piiContext.dataKey },
] as const;

/**
 * Re-encrypts every PII value and private signing key not written under the active key, in batches
 * ordered by id. Each row is updated only if unchanged since it was read, so it is safe while the
 * service runs, and running it again does nothing.
 */
export async function reencryptAll(
  ctx: AuthContext,
  batchSize = 500,
  /** Called after each batch with the users scanned so far and those stale at the start. */
  progress: (done: number, total: number) => void = () => {},
): Promise<{ scanned: number; usersChanged: number; signingKeysChanged: number }> {
  const { database, cipher } = ctx;
  // starts_with, not LIKE: `_` is a legal key id character and a LIKE wildcard.
  const activePrefix = `v1:${cipher.activeKid}:`;
  const stale = sql`(${sql.join(
    COLUMNS.map(({ column }) => sql`not starts_with(${users[column]}, ${activePrefix})`),
    sql` or `,
  )})`;
  const [counted] = await forAllUsers(database.db, (tx) =>
    tx.select({ n: sql<number>`count(*)::int` }).from(users).where(stale),
  );
  const total = counted?.n ?? 0;
  progress(0, total);
  let cursor = '00000000-0000-0000-0000-000000000000';
  let scanned = 0;
  let usersChanged = 0;
  for (;;) {
    // Key rotation covers every user's PII.
    const rows = await forAllUsers(database.db, (tx) =>
      tx
        .select()
        .from(users)
        .where(and(gt(users.id, cursor), stale))
        .orderBy(asc(users.id))
        .limit(batchSize),
    );
    if (rows.length === 0) break;
    scanned += rows.length;
    await forAllUsers(database.db, async (tx) => {
      for (const row of rows) {
        const set: Partial<Record<(typeof COLUMNS)[number]['column'], string>> = {};
        for (const { column, context } of COLUMNS) {
          const value = row[column];
          if (value !== null && cipher.isStale(value))
            set[column] = cipher.encrypt(cipher.decrypt(value, context(row.id)), context(row.id));
        }
        if (Object.keys(set).length === 0) continue;
        const done = await tx
          .update(users)
          .set(set)
          .where(
            and(
              eq(users.id, row.id),
              ...COLUMNS.map(({ column }) => sql`${users[column]} is not distinct from ${row[column]}`),
            ),
          )
          .returning({ id: users.id });
        usersChanged += done.length;
      }
    });
    cursor = (rows[rows.length - 1] as (typeof rows)[number]).id;
    progress(scanned, Math.max(total, scanned));
  }
  const signingKeysChanged = await reencryptSigningKeys(database, cipher);
  return { scanned, usersChanged, signingKeysChanged };
}
