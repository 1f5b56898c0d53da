import type { FieldCipher } from '@marquee/platform-crypto';
import type { users } from '../db/schema';

export type UserRow = typeof users.$inferSelect;

/** A user as the service works with it: PII decrypted. Never stored or logged as such. */
export interface UserProfile {
  id: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  isStaff: boolean;
  role: 'user' | 'admin';
  isPremium: boolean;
  dateJoined: string;
  lastLogin: string | null;
  dateOfBirth: string | null;
  phone: string | null;
  bio: string;
  avatar: string | null;
  preferredLanguage: string;
  timezone: string;
  country: string | null;
  deviceToken: string | null;
  deviceType: 'ios' | 'android' | 'web' | null;
  favoriteGenres: number[];
}

/** The authenticated-data context of each encrypted column, bound to the row. */
export const piiContext = {
  email: (userId: string) => `users.email:${userId}`,
  dateOfBirth: (userId: string) => `users.date_of_birth:${userId}`,
  phone: (userId: string) => `users.phone:${userId}`,
  deviceToken: (userId: string) => `users.device_token:${userId}`,
  dataKey: (userId: string) => `users.data_key:${userId}`,
};

export function toProfile(row: UserRow, cipher: FieldCipher): UserProfile {
  return {
    id: row.id,
    username: row.username,
    email: cipher.decrypt(row.emailEncrypted, piiContext.email(row.id)),
    firstName: row.firstName,
    lastName: row.lastName,
    isActive: row.isActive,
    isStaff: row.isStaff,
    role: row.isStaff ? 'admin' : 'user',
    isPremium: row.isPremium,
    dateJoined: row.dateJoined.toISOString(),
    lastLogin: row.lastLogin?.toISOString() ?? null,
    dateOfBirth: cipher.decryptOptional(row.dateOfBirthEncrypted, piiContext.dateOfBirth(row.id)),
    phone: cipher.decryptOptional(row.phoneEncrypted, piiContext.phone(row.id)),
    bio: row.bio,
    avatar: row.avatar,
    preferredLanguage: row.preferredLanguage,
    timezone: row.timezone,
    country: row.country,
    deviceToken: cipher.decryptOptional(row.deviceTokenEncrypted, piiContext.deviceToken(row.id)),
    deviceType: row.deviceType as UserProfile['deviceType'],
    favoriteGenres: row.favoriteGenres,
  };
}
