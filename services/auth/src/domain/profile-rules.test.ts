import { describe, expect, it } from 'vitest';
import { canonicalLanguage, isCountryCode, isPhoneNumber, isPlausibleBirthDate, isTimezone } from './profile-rules';

describe('profile rules', () => {
  it('When values are real IANA zones, BCP 47 tags and ISO countries, then they pass', () => {
    expect(isTimezone('Europe/Berlin')).toBe(true);
    expect(isTimezone('UTC')).toBe(true);
    expect(canonicalLanguage('pt-br')).toBe('pt-BR');
    expect(isCountryCode('DE')).toBe(true);
    expect(isPhoneNumber('+4915112345678')).toBe(true);
    expect(isPlausibleBirthDate('1990-02-28')).toBe(true);
  });

  it('When values are made up, then they are refused', () => {
    expect(isTimezone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimezone('+02:00')).toBe(false);
    expect(canonicalLanguage('not a language!')).toBeNull();
    expect(isCountryCode('XX')).toBe(false);
    expect(isCountryCode('de')).toBe(false);
    expect(isPhoneNumber('12345')).toBe(false);
    expect(isPlausibleBirthDate('1990-02-30')).toBe(false);
    expect(isPlausibleBirthDate('2999-01-01')).toBe(false);
  });
});
