import { forAllUsers } from '@marquee/platform-db';
import { conflict } from '@marquee/platform-http';
import { and, count, desc, eq, ilike, type SQL, sql } from 'drizzle-orm';
import type { AuthContext } from '../context';
import { users } from '../db/schema';
import { emailLookupHash } from '../domain/field-encryption';
import { recordUserUpdated } from '../events/user-events';
import { revokeAllForUser } from '../sessions/refresh-tokens';
import { getUserById } from './find-users';
import { toProfile, type UserProfile } from './user-record';

export interface UserListQuery {
  page: number;
  pageSize: number;
  /** Username substring (case-insensitive). */
  username?: string;
  /** Exact email, matched through its hash. */
  email?: string;
  isActive?: boolean;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listUsers(
  ctx: AuthContext,
  q: UserListQuery,
): Promise<{ items: UserProfile[]; total: number; page: number; pageSize: number }> {
  const where: SQL[] = [];
  if (q.username) where.push(ilike(users.username, `%${escapeLike(q.username)}%`));
  if (q.email) where.push(eq(users.emailHash, emailLookupHash(ctx.emailHashKey, q.email)));
  if (q.isActive !== undefined) where.push(eq(users.isActive, q.isActive));
  const filter = where.length > 0 ? and(...where) : undefined;
  // Admin paths act for every user.
  const [rows, [totals]] = await forAllUsers(ctx.database.db, (tx) =>
    Promise.all([
      tx
        .select()
        .from(users)
        .where(filter)
        .orderBy(desc(users.dateJoined), desc(users.id))
        .limit(q.pageSize)
        .offset((q.page - 1) * q.pageSize),
      tx.select({ n: count() }).from(users).where(filter),
    ]),
  );
  return {
    items: rows.map((r) => toProfile(r, ctx.cipher)),
    total: totals?.n ?? 0,
    page: q.page,
    pageSize: q.pageSize,
  };
}

export async function getUser(ctx: AuthContext, id: string): Promise<UserProfile> {
  return toProfile(await forAllUsers(ctx.database.db, (tx) => getUserById(tx, id)), ctx.cipher);
}

/** Reactivates an account; its sessions stay revoked, the user logs in again. Idempotent. */
export async function activateUser(ctx: AuthContext, userId: string): Promise<UserProfile> {
  return forAllUsers(ctx.database.db, async (tx) => {
    await tx.execute(sql`select 1 from users where id = ${userId} for update`);
    const row = await getUserById(tx, userId);
    if (row.isActive) return toProfile(row, ctx.cipher);
    const [updated] = await tx
      .update(users)
      .set({ isActive: true, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning();
    const profile = toProfile(updated as NonNullable<typeof updated>, ctx.cipher);
    await recordUserUpdated(tx, ctx.cipher, profile, ['isActive']);
    return profile;
  });
}

/**
 * Deactivates an account: it can no longer log in or refresh (its refresh tokens are revoked now);
 * access tokens already issued lapse within their 15 minutes. Idempotent.
 */
export async function deactivateUser(ctx: AuthContext, adminId: string, userId: string): Promise<UserProfile> {
  if (adminId === userId) {
    throw conflict('ADMIN.CANNOT_DEACTIVATE_SELF', 'Admins cannot deactivate their own account', [
      { field: 'id', reason: 'is your own account' },
    ]);
  }
  const profile = await forAllUsers(ctx.database.db, async (tx) => {
    await tx.execute(sql`select 1 from users where id = ${userId} for update`);
    const row = await getUserById(tx, userId);
    if (!row.isActive) return toProfile(row, ctx.cipher);
    const [updated] = await tx
      .update(users)
      .set({ isActive: false, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning();
    await revokeAllForUser(tx, userId, 'deactivated');
    const profile = toProfile(updated as NonNullable<typeof updated>, ctx.cipher);
    await recordUserUpdated(tx, ctx.cipher, profile, ['isActive']);
    return profile;
  });
  ctx.announceRevoked({ userId });
  return profile;
}
