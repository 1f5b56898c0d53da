import { randomBytes } from 'node:crypto';
import type { DbOrTx } from '@marquee/platform-db';
import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { users } from '../db/schema';
import type { FieldCipher } from '@marquee/platform-crypto';
import { openUserFields, type SealedUserFields, type UserDataKey } from '../domain/sealed-fields';
import { piiContext } from './user-record';

function parseKey(cipher: FieldCipher, userId: string, stored: string): UserDataKey {
  const [keyId, key] = cipher.decrypt(stored, piiContext.dataKey(userId)).split(':') as [string, string];
  return { keyId, key: Buffer.from(key, 'base64') };
}

/**
 * The user's data key, made on first use (accounts older than crypto-shredding have none yet).
 * One statement keeps the first key when two transactions race; it is stored under auth's field keys.
 */
export async function userDataKey(tx: DbOrTx, cipher: FieldCipher, userId: string): Promise<UserDataKey> {
  const fresh = cipher.encrypt(`${uuidv7()}:${randomBytes(32).toString('base64')}`, piiContext.dataKey(userId));
  const [row] = await tx
    .update(users)
    .set({ dataKeyEncrypted: sql`coalesce(${users.dataKeyEncrypted}, ${fresh})` })
    .where(eq(users.id, userId))
    .returning({ stored: users.dataKeyEncrypted });
  if (!row?.stored) throw new Error(`no user ${userId} to make a data key for`);
  return parseKey(cipher, userId, row.stored);
}

/** Opens sealed event fields while the user exists; null once erased (the key is gone with the row). */
export async function openSealedFields(
  db: DbOrTx,
  cipher: FieldCipher,
  userId: string,
  sealed: SealedUserFields,
): Promise<ReturnType<typeof openUserFields> | null> {
  const [row] = await db.select({ stored: users.dataKeyEncrypted }).from(users).where(eq(users.id, userId));
  if (!row?.stored) return null;
  return openUserFields(parseKey(cipher, userId, row.stored), userId, sealed);
}
