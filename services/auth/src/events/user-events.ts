import { type Static, UserDeleted, UserRegistered, type UserSnapshot, UserUpdated } from '@marquee/contracts';
import type { DbOrTx } from '@marquee/platform-db';
import { recordEvent } from '@marquee/platform-events';
import type { UserProfile } from '../accounts/user-record';

function snapshot(p: UserProfile): Static<typeof UserSnapshot> {
  return {
    userId: p.id,
    username: p.username,
    email: p.email,
    firstName: p.firstName,
    lastName: p.lastName,
    isActive: p.isActive,
    isStaff: p.isStaff,
    isPremium: p.isPremium,
    preferredLanguage: p.preferredLanguage,
    timezone: p.timezone,
    country: p.country,
    deviceToken: p.deviceToken,
    deviceType: p.deviceType,
    favoriteGenres: p.favoriteGenres,
    dateJoined: p.dateJoined,
  };
}

export function recordUserRegistered(tx: DbOrTx, profile: UserProfile) {
  return recordEvent(tx, UserRegistered, profile.id, snapshot(profile));
}

/** `changed` lists the profile fields (API names) whose value actually changed. */
export function recordUserUpdated(tx: DbOrTx, profile: UserProfile, changed: string[]) {
  return recordEvent(tx, UserUpdated, profile.id, { ...snapshot(profile), changed });
}

export function recordUserDeleted(tx: DbOrTx, userId: string, deletedAt: Date) {
  return recordEvent(tx, UserDeleted, userId, { userId, deletedAt: deletedAt.toISOString() });
}
