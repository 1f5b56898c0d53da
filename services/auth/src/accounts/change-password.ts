import { withUser } from '@marquee/platform-db';
import { AppError } from '@marquee/platform-http';
import { eq } from 'drizzle-orm';
import type { AuthContext } from '../context';
import { users } from '../db/schema';
import { issueRefreshToken, revokeAllForUser } from '../sessions/refresh-tokens';
import { getUserById } from './find-users';
import { accountDisabled, issueTokenPair, type TokenPair } from './login';
import { assertStrongPassword } from './register-user';
import { toProfile } from './user-record';

export const wrongPassword = (field: string) =>
  new AppError(403, 'AUTH.WRONG_PASSWORD', `${field} is not this account's password`, [
    { field, reason: 'does not match' },
  ]);

/** Confirms the user's current password (the caller already holds a valid access token). */
export async function confirmPassword(
  ctx: AuthContext,
  passwordHash: string,
  password: string,
  field: string,
): Promise<void> {
  if (!(await ctx.passwords.verify(passwordHash, password))) throw wrongPassword(field);
}

/** Changes the password, signs every other session out, and returns a fresh session for this one. */
export async function changePassword(
  ctx: AuthContext,
  userId: string,
  input: { currentPassword: string; newPassword: string },
): Promise<TokenPair> {
  const row = await withUser(ctx.database.db, userId, (tx) => getUserById(tx, userId));
  if (!row.isActive) throw accountDisabled();
  await confirmPassword(ctx, row.passwordHash, input.currentPassword, 'currentPassword');
  const profile = toProfile(row, ctx.cipher);
  assertStrongPassword(input.newPassword, { username: profile.username, email: profile.email }, 'newPassword');
  if (input.currentPassword === input.newPassword) {
    throw new AppError(400, 'AUTH.WEAK_PASSWORD', 'newPassword must differ from the current one', [
      { field: 'newPassword', reason: 'must differ from the current password' },
    ]);
  }
  const passwordHash = await ctx.passwords.hash(input.newPassword);
  const grant = await withUser(ctx.database.db, userId, async (tx) => {
    // Locked and re-read: a deactivation committed while argon2 ran must not be undone by a new session.
    const [current] = await tx
      .select({ isActive: users.isActive })
      .from(users)
      .where(eq(users.id, userId))
      .for('update');
    if (!current?.isActive) throw accountDisabled();
    await tx
      .update(users)
      .set({ passwordHash, passwordChangedAt: new Date(), updatedAt: new Date() })
      .where(eq(users.id, userId));
    await revokeAllForUser(tx, userId, 'password_changed');
    return issueRefreshToken(tx, userId, ctx.sessions);
  });
  ctx.announceRevoked({ userId, exceptSessionId: grant.sessionId });
  return issueTokenPair(ctx, row, grant);
}
