import { createHash, randomBytes } from 'node:crypto';
import { type Database, type DbOrTx, forAllUsers } from '@marquee/platform-db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { refreshTokens, users } from '../db/schema';
import { sessionEndsAt } from '../domain/session-lifetime';

export const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** An opaque refresh token and the session (family) it belongs to, which access tokens carry as `sid`. */
export interface RefreshGrant {
  refreshToken: string;
  sessionId: string;
}

export interface SessionLifetimes {
  refreshTokenTtlDays: number;
  /** However often it is refreshed, a login lasts no longer than this. */
  sessionMaxDays: number;
}

/** Stores a new refresh token (a fresh family unless one is given); it never outlives its family. */
export async function issueRefreshToken(
  tx: DbOrTx,
  userId: string,
  lifetimes: SessionLifetimes,
  familyId: string = uuidv7(),
): Promise<RefreshGrant> {
  // 32 random bytes: hashing with plain SHA-256 is enough, there is nothing to brute-force.
  const token = randomBytes(32).toString('base64url');
  const familyEnds = sessionEndsAt(familyId, lifetimes.sessionMaxDays).getTime();
  await tx.insert(refreshTokens).values({
    id: uuidv7(),
    familyId,
    userId,
    tokenHash: hashRefreshToken(token),
    expiresAt: new Date(Math.min(Date.now() + lifetimes.refreshTokenTtlDays * 86_400_000, familyEnds)),
  });
  return { refreshToken: token, sessionId: familyId };
}

export async function revokeFamily(tx: DbOrTx, familyId: string, reason: string): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export async function revokeAllForUser(tx: DbOrTx, userId: string, reason: string): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

export type SpendResult =
  | { outcome: 'rotated'; userId: string; isStaff: boolean; grant: RefreshGrant }
  | { outcome: 'reused'; userId: string; sessionId: string }
  | { outcome: 'unknown' | 'expired' | 'revoked' | 'inactive' };

/**
 * Spends a refresh token and issues its successor in the same family, in one transaction with the
 * token row locked, so two concurrent uses of one token cannot both succeed: the second is reuse.
 * The token is the only credential, so its row is looked up across every user.
 */
export async function spendRefreshToken(
  database: Database,
  token: string,
  lifetimes: SessionLifetimes,
): Promise<SpendResult> {
  return forAllUsers(database.db, async (tx) => {
    const [row] = await tx
      .select({
        id: refreshTokens.id,
        familyId: refreshTokens.familyId,
        userId: refreshTokens.userId,
        expiresAt: refreshTokens.expiresAt,
        spentAt: refreshTokens.spentAt,
        revokedAt: refreshTokens.revokedAt,
        isActive: users.isActive,
        isStaff: users.isStaff,
      })
      .from(refreshTokens)
      .innerJoin(users, eq(users.id, refreshTokens.userId))
      .where(eq(refreshTokens.tokenHash, hashRefreshToken(token)))
      .for('update', { of: refreshTokens });
    if (!row) return { outcome: 'unknown' };
    if (row.revokedAt) return { outcome: 'revoked' };
    if (row.spentAt) {
      await revokeFamily(tx, row.familyId, 'reuse_detected');
      return { outcome: 'reused', userId: row.userId, sessionId: row.familyId };
    }
    if (!row.isActive) {
      await revokeFamily(tx, row.familyId, 'user_inactive');
      return { outcome: 'inactive' };
    }
    if (row.expiresAt.getTime() <= Date.now()) return { outcome: 'expired' };
    if (sessionEndsAt(row.familyId, lifetimes.sessionMaxDays).getTime() <= Date.now()) {
      await revokeFamily(tx, row.familyId, 'session_lifetime');
      return { outcome: 'expired' };
    }
    await tx.update(refreshTokens).set({ spentAt: sql`now()` }).where(eq(refreshTokens.id, row.id));
    const grant = await issueRefreshToken(tx, row.userId, lifetimes, row.familyId);
    return { outcome: 'rotated', userId: row.userId, isStaff: row.isStaff, grant };
  });
}

/** Logout: revokes the family of the presented token; unknown tokens are ignored (null). */
export async function revokeFamilyOfToken(
  database: Database,
  token: string,
): Promise<{ userId: string; sessionId: string } | null> {
  // The token is the only key: its row is looked up across every user.
  return forAllUsers(database.db, async (tx) => {
    const [row] = await tx
      .select({ familyId: refreshTokens.familyId, userId: refreshTokens.userId })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hashRefreshToken(token)));
    if (!row) return null;
    await revokeFamily(tx, row.familyId, 'logout');
    return { userId: row.userId, sessionId: row.familyId };
  });
}
