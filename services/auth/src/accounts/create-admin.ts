import type { AuthContext } from '../context';
import { normalizeEmail } from '../domain/field-encryption';
import { findUserByEmail } from './find-users';
import { registerUser } from './register-user';
import type { UserProfile } from './user-record';
import { forAllUsers } from '@marquee/platform-db';

/**
 * Creates an admin unless an account with that email exists (then returns `created: false` and
 * leaves it untouched). Used by start-up bootstrap and the create-admin CLI.
 */
export async function ensureAdmin(
  ctx: AuthContext,
  input: { email: string; username: string; password: string },
): Promise<{ created: boolean; userId: string; profile?: UserProfile }> {
  // Bootstrap and CLI act before any user is known: the email is looked up across every account.
  const existing = await forAllUsers(ctx.database.db, (tx) => findUserByEmail(tx, ctx.emailHashKey, input.email));
  if (existing) return { created: false, userId: existing.id };
  const profile = await registerUser(
    ctx,
    { username: input.username, email: normalizeEmail(input.email), password: input.password },
    { isStaff: true },
  );
  return { created: true, userId: profile.id, profile };
}
