import type { DbOrTx } from '@marquee/platform-db';
import { AppError, type FieldProblem } from '@marquee/platform-http';
import { inArray } from 'drizzle-orm';
import { knownGenres } from '../db/schema';
import {
  canonicalLanguage,
  isCountryCode,
  isPhoneNumber,
  isPlausibleBirthDate,
  isTimezone,
} from '../domain/profile-rules';

/** Profile fields a user may change about themselves (API names). */
export interface ProfilePatch {
  firstName?: string;
  lastName?: string;
  dateOfBirth?: string | null;
  phone?: string | null;
  bio?: string;
  avatar?: string | null;
  preferredLanguage?: string;
  timezone?: string;
  country?: string | null;
  deviceToken?: string | null;
  deviceType?: 'ios' | 'android' | 'web' | null;
  favoriteGenres?: number[];
}

/**
 * Checks what the route schema cannot: real IANA zones, BCP 47 tags, ISO countries, plausible birth
 * dates, and genre ids the catalog has published. Returns the patch normalised; throws one 400
 * naming every bad field.
 */
export async function validateProfilePatch(db: DbOrTx, patch: ProfilePatch): Promise<ProfilePatch> {
  const problems: FieldProblem[] = [];
  const out: ProfilePatch = { ...patch };
  if (patch.timezone !== undefined && !isTimezone(patch.timezone)) {
    problems.push({ field: 'timezone', reason: `"${patch.timezone}" is not an IANA time zone (e.g. Europe/Berlin)` });
  }
  if (patch.preferredLanguage !== undefined) {
    const tag = canonicalLanguage(patch.preferredLanguage);
    if (tag) out.preferredLanguage = tag;
    else
      problems.push({
        field: 'preferredLanguage',
        reason: `"${patch.preferredLanguage}" is not a BCP 47 language tag (e.g. en-GB)`,
      });
  }
  if (patch.country !== undefined && patch.country !== null) {
    const upper = patch.country.toUpperCase();
    if (isCountryCode(upper)) out.country = upper;
    else problems.push({ field: 'country', reason: `"${patch.country}" is not an ISO 3166-1 alpha-2 country code` });
  }
  if (patch.dateOfBirth != null && !isPlausibleBirthDate(patch.dateOfBirth)) {
    problems.push({ field: 'dateOfBirth', reason: 'must be an existing date (YYYY-MM-DD) between 1900 and today' });
  }
  if (patch.phone != null && !isPhoneNumber(patch.phone)) {
    problems.push({ field: 'phone', reason: 'must be in E.164 form, e.g. +4915112345678' });
  }
  if (patch.deviceType === null && patch.deviceToken) {
    problems.push({ field: 'deviceType', reason: 'is required when a device token is set' });
  }
  if (patch.favoriteGenres !== undefined) {
    const ids = [...new Set(patch.favoriteGenres)];
    out.favoriteGenres = ids;
    if (ids.length > 0) {
      const found = await db
        .select({ id: knownGenres.genreId })
        .from(knownGenres)
        .where(inArray(knownGenres.genreId, ids));
      const known = new Set(found.map((r) => r.id));
      const unknown = ids.filter((id) => !known.has(id));
      if (unknown.length > 0)
        problems.push({ field: 'favoriteGenres', reason: `unknown genre ids: ${unknown.join(', ')}` });
    }
  }
  if (problems.length > 0) {
    throw new AppError(400, 'VALIDATION.FAILED', problems.map((p) => `${p.field}: ${p.reason}`).join('; '), problems);
  }
  return out;
}
