import { withUser } from '@marquee/platform-db';
import { eq, sql } from 'drizzle-orm';
import type { AuthContext } from '../context';
import { users } from '../db/schema';
import { recordUserUpdated } from '../events/user-events';
import { getUserById } from './find-users';
import { type ProfilePatch, validateProfilePatch } from './profile-validation';
import { piiContext, toProfile, type UserProfile } from './user-record';

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Applies a validated patch to the user's own profile and records user.updated naming the fields
 * whose value changed (no event when nothing changed).
 */
export async function updateProfile(ctx: AuthContext, userId: string, patch: ProfilePatch): Promise<UserProfile> {
  const { database, cipher } = ctx;
  const valid = await validateProfilePatch(database.db, patch);
  return withUser(database.db, userId, async (tx) => {
    await tx.execute(sql`select 1 from users where id = ${userId} for update`);
    const before = toProfile(await getUserById(tx, userId), cipher);
    const changed = (Object.keys(valid) as (keyof ProfilePatch)[]).filter((k) => !sameValue(before[k], valid[k]));
    if (changed.length === 0) return before;
    const has = (k: keyof ProfilePatch) => changed.includes(k);
    const [row] = await tx
      .update(users)
      .set({
        ...(has('firstName') ? { firstName: valid.firstName as string } : {}),
        ...(has('lastName') ? { lastName: valid.lastName as string } : {}),
        ...(has('bio') ? { bio: valid.bio as string } : {}),
        ...(has('avatar') ? { avatar: valid.avatar ?? null } : {}),
        ...(has('preferredLanguage') ? { preferredLanguage: valid.preferredLanguage as string } : {}),
        ...(has('timezone') ? { timezone: valid.timezone as string } : {}),
        ...(has('country') ? { country: valid.country ?? null } : {}),
        ...(has('deviceType') ? { deviceType: valid.deviceType ?? null } : {}),
        ...(has('favoriteGenres') ? { favoriteGenres: valid.favoriteGenres as number[] } : {}),
        ...(has('dateOfBirth')
          ? { dateOfBirthEncrypted: cipher.encryptOptional(valid.dateOfBirth, piiContext.dateOfBirth(userId)) }
          : {}),
        ...(has('phone') ? { phoneEncrypted: cipher.encryptOptional(valid.phone, piiContext.phone(userId)) } : {}),
        ...(has('deviceToken')
          ? { deviceTokenEncrypted: cipher.encryptOptional(valid.deviceToken, piiContext.deviceToken(userId)) }
          : {}),
        updatedAt: new Date(),
      })
      .where(eq(users.id, userId))
      .returning();
    const after = toProfile(row as NonNullable<typeof row>, cipher);
    await recordUserUpdated(tx, ctx.cipher, after, changed);
    return after;
  });
}
