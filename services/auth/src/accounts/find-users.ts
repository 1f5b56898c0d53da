import type { DbOrTx } from '@marquee/platform-db';
import { notFound } from '@marquee/platform-http';
import { eq, sql } from 'drizzle-orm';
import { users } from '../db/schema';
import { emailLookupHash } from '../domain/field-encryption';
import type { UserRow } from './user-record';

export async function findUserById(db: DbOrTx, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

export async function getUserById(db: DbOrTx, id: string): Promise<UserRow> {
  const row = await findUserById(db, id);
  if (!row) throw notFound('USER.NOT_FOUND', `No user ${id}`);
  return row;
}

export async function findUserByEmail(db: DbOrTx, hashKey: Buffer, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(users.emailHash, emailLookupHash(hashKey, email)));
  return row;
}

export async function findUserByUsername(db: DbOrTx, username: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(sql`lower(${users.username}) = ${username.toLowerCase()}`);
  return row;
}

/** A login is an email when it has an @, else a username. */
export function findUserByLogin(db: DbOrTx, hashKey: Buffer, login: string): Promise<UserRow | undefined> {
  return login.includes('@') ? findUserByEmail(db, hashKey, login) : findUserByUsername(db, login);
}
