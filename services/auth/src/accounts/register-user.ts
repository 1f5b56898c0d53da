import { forAllUsers, withUser } from '@marquee/platform-db';
import { AppError, conflict } from '@marquee/platform-http';
import { uniqueViolation } from '@marquee/platform-db';
import { v7 as uuidv7 } from 'uuid';
import type { AuthContext } from '../context';
import { users } from '../db/schema';
import { emailLookupHash, normalizeEmail } from '../domain/field-encryption';
import { passwordProblems } from '../domain/password-policy';
import { recordUserRegistered } from '../events/user-events';
import { findUserByEmail, findUserByUsername } from './find-users';
import { validateProfilePatch } from './profile-validation';
import { piiContext, toProfile, type UserProfile } from './user-record';

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
  preferredLanguage?: string;
  timezone?: string;
  country?: string | null;
  favoriteGenres?: number[];
}

/** 400 AUTH.WEAK_PASSWORD with each reason, or nothing. */
export function assertStrongPassword(
  password: string,
  ctx: { username?: string; email?: string },
  field = 'password',
): void {
  const reasons = passwordProblems(password, ctx);
  if (reasons.length > 0) {
    throw new AppError(
      400,
      'AUTH.WEAK_PASSWORD',
      `${field} is too weak: ${reasons.join('; ')}`,
      reasons.map((reason) => ({ field, reason })),
    );
  }
}

const emailTaken = () =>
  conflict('USER.EMAIL_TAKEN', 'An account with this email already exists', [
    { field: 'email', reason: 'is already registered' },
  ]);
const usernameTaken = () =>
  conflict('USER.USERNAME_TAKEN', 'This username is taken', [{ field: 'username', reason: 'is already taken' }]);

/** Maps a unique violation that lost a race with another registration to the same 409. */
function conflictFromUniqueViolation(err: unknown): AppError | undefined {
  const constraint = uniqueViolation(err);
  if (constraint === 'users_email_hash_key') return emailTaken();
  if (constraint === 'users_username_lower_key') return usernameTaken();
  return undefined;
}

/** Creates an account and records user.registered in the same transaction. */
export async function registerUser(
  ctx: AuthContext,
  input: RegisterInput,
  opts: { isStaff?: boolean } = {},
): Promise<UserProfile> {
  const { database, cipher, emailHashKey } = ctx;
  const email = normalizeEmail(input.email);
  assertStrongPassword(input.password, { username: input.username, email });
  const profile = await validateProfilePatch(database.db, {
    ...(input.preferredLanguage !== undefined ? { preferredLanguage: input.preferredLanguage } : {}),
    ...(input.timezone !== undefined ? { timezone: input.timezone } : {}),
    ...(input.country !== undefined ? { country: input.country } : {}),
    ...(input.favoriteGenres !== undefined ? { favoriteGenres: input.favoriteGenres } : {}),
  });
  // Email and username are unique across every account, so this check acts for all users.
  const taken = await forAllUsers(database.db, async (tx) => ({
    email: !!(await findUserByEmail(tx, emailHashKey, email)),
    username: !!(await findUserByUsername(tx, input.username)),
  }));
  if (taken.email) throw emailTaken();
  if (taken.username) throw usernameTaken();

  const passwordHash = await ctx.passwords.hash(input.password);
  const id = uuidv7();
  try {
    return await withUser(database.db, id, async (tx) => {
      const [row] = await tx
        .insert(users)
        .values({
          id,
          username: input.username,
          emailEncrypted: cipher.encrypt(email, piiContext.email(id)),
          emailHash: emailLookupHash(emailHashKey, email),
          passwordHash,
          firstName: input.firstName ?? '',
          lastName: input.lastName ?? '',
          isStaff: opts.isStaff ?? false,
          ...(profile.preferredLanguage ? { preferredLanguage: profile.preferredLanguage } : {}),
          ...(profile.timezone ? { timezone: profile.timezone } : {}),
          country: profile.country ?? null,
          favoriteGenres: profile.favoriteGenres ?? [],
        })
        .returning();
      const created = toProfile(row as NonNullable<typeof row>, cipher);
      await recordUserRegistered(tx, cipher, created);
      return created;
    });
  } catch (err) {
    throw conflictFromUniqueViolation(err) ?? err;
  }
}
