import { forAllUsers, withUser } from '@marquee/platform-db';
import { AppError, unauthorized } from '@marquee/platform-http';
import { eq, sql } from 'drizzle-orm';
import type { AuthContext } from '../context';
import { users } from '../db/schema';
import { emailLookupHash } from '../domain/field-encryption';
import { type LoginThrottle, TooManyAttemptsError } from '../sessions/login-throttle';
import { issueRefreshToken, type RefreshGrant } from '../sessions/refresh-tokens';
import { findUserByLogin } from './find-users';

export interface TokenPair {
  tokenType: 'Bearer';
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
}

/** Same code and message for unknown account and wrong password, so neither is revealed. */
export const invalidCredentials = () => unauthorized('AUTH.INVALID_CREDENTIALS', 'Login or password is incorrect');

export const accountDisabled = () => new AppError(403, 'AUTH.ACCOUNT_DISABLED', 'This account has been deactivated');

/** Every path that hands out tokens goes through here, so none can serve a deactivated account. */
export async function issueTokenPair(
  ctx: AuthContext,
  user: { id: string; isStaff: boolean; isActive: boolean },
  grant: RefreshGrant,
): Promise<TokenPair> {
  if (!user.isActive) throw accountDisabled();
  const { token, expiresIn } = await ctx.keys.signAccessToken({
    userId: user.id,
    role: user.isStaff ? 'admin' : 'user',
    sessionId: grant.sessionId,
  });
  return { tokenType: 'Bearer', accessToken: token, expiresIn, refreshToken: grant.refreshToken };
}

/** Verifies a login (email or username) and starts a new refresh-token family. */
export async function login(
  ctx: AuthContext,
  throttle: LoginThrottle,
  input: { login: string; password: string; ip: string },
): Promise<TokenPair> {
  const subject = input.login.trim();
  // The user is not known until the login matches: this lookup alone acts across every account.
  const user = await forAllUsers(ctx.database.db, (tx) => findUserByLogin(tx, ctx.emailHashKey, subject));
  // One counter per account whichever name is typed; unknown logins by hash, so nothing is revealed.
  const accountKey = user ? `id:${user.id}` : `unknown:${emailLookupHash(ctx.emailHashKey, subject)}`;
  const wait = await throttle.attempt(accountKey, input.ip);
  if (wait !== null) throw new TooManyAttemptsError(wait);

  const ok = await ctx.passwords.verify(user?.passwordHash ?? null, input.password);
  if (!user || !ok) throw invalidCredentials();
  await throttle.recordSuccess(accountKey, input.ip);
  if (!user.isActive) throw accountDisabled();
  const grant = await withUser(ctx.database.db, user.id, async (tx) => {
    await tx.update(users).set({ lastLogin: sql`now()` }).where(eq(users.id, user.id));
    return issueRefreshToken(tx, user.id, ctx.sessions);
  });
  return issueTokenPair(ctx, user, grant);
}
