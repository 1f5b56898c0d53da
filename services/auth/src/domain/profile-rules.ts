import { COUNTRY_CODES } from './country-codes';

const ZONES = new Set(Intl.supportedValuesOf('timeZone'));

/** IANA zone name (`Europe/Berlin`); UTC is accepted though Intl lists it only via aliases. */
export function isTimezone(value: string): boolean {
  if (ZONES.has(value) || value === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value.includes('/');
  } catch {
    return false;
  }
}

/** Returns the canonical BCP 47 tag (`pt-BR`), or null when it is not one. */
export function canonicalLanguage(value: string): string | null {
  try {
    const [tag] = Intl.getCanonicalLocales(value);
    return tag ?? null;
  } catch {
    return null;
  }
}

/** ISO 3166-1 alpha-2, upper case. */
export function isCountryCode(value: string): boolean {
  return COUNTRY_CODES.has(value);
}

/** E.164: a plus, then 8 to 15 digits. */
export function isPhoneNumber(value: string): boolean {
  return /^\+[1-9]\d{7,14}$/.test(value);
}

/** A calendar date (YYYY-MM-DD) that exists, after 1900 and not in the future. */
export function isPlausibleBirthDate(value: string, today = new Date()): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return (
    !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value && d.getUTCFullYear() >= 1900 && d <= today
  );
}
