import { type Static, UserDeleted, UserRegistered, type UserSnapshot, UserUpdated } from '@marquee/contracts';
import type { DbOrTx } from '@marquee/platform-db';
import { recordEvent } from '@marquee/platform-events';
import { userDataKey } from '../accounts/user-data-key';
import type { UserProfile } from '../accounts/user-record';
import type { FieldCipher } from '@marquee/platform-crypto';
import { sealUserFields } from '../domain/sealed-fields';

/** Personal fields travel sealed under the user's own key, so erasing the key erases every copy. */
async function snapshot(tx: DbOrTx, cipher: FieldCipher, p: UserProfile): Promise<Static<typeof UserSnapshot>> {
  const key = await userDataKey(tx, cipher, p.id);
  return {
    userId: p.id,
    username: p.username,
    isActive: p.isActive,
    isStaff: p.isStaff,
    isPremium: p.isPremium,
    preferredLanguage: p.preferredLanguage,
    timezone: p.timezone,
    country: p.country,
    deviceType: p.deviceType,
    favoriteGenres: p.favoriteGenres,
    dateJoined: p.dateJoined,
    sealed: sealUserFields(key, p.id, {
      email: p.email,
      firstName: p.firstName,
      lastName: p.lastName,
      deviceToken: p.deviceToken,
    }),
  };
}

export async function recordUserRegistered(tx: DbOrTx, cipher: FieldCipher, profile: UserProfile) {
  return recordEvent(tx, UserRegistered, profile.id, await snapshot(tx, cipher, profile));
}

/** `changed` lists the profile fields (API names) whose value actually changed. */
export async function recordUserUpdated(tx: DbOrTx, cipher: FieldCipher, profile: UserProfile, changed: string[]) {
  return recordEvent(tx, UserUpdated, profile.id, { ...(await snapshot(tx, cipher, profile)), changed });
}

export function recordUserDeleted(tx: DbOrTx, userId: string, deletedAt: Date) {
  return recordEvent(tx, UserDeleted, userId, { userId, deletedAt: deletedAt.toISOString() });
}
