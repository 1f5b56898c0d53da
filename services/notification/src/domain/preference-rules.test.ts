import { describe, expect, it } from 'vitest';
import { isIanaTimezone, preferenceProblems } from './preference-rules';

describe('preference rules', () => {
  it('When values are valid, then there is no problem', () => {
    expect(preferenceProblems({ digestDay: 7, digestTime: '23:59', timezone: 'America/New_York' })).toEqual([]);
  });
  it('When each value is out of range, then each problem names its field', () => {
    const fields = preferenceProblems({ digestDay: 8, digestTime: '24:00', timezone: 'Mars/Olympus' }).map(
      (p) => p.field,
    );
    expect(fields).toEqual(['body.digestDay', 'body.digestTime', 'body.timezone']);
    expect(preferenceProblems({ digestTime: '9:00' })[0]?.field).toBe('body.digestTime');
  });
  it('When a timezone is checked, then IANA names pass and injections fail', () => {
    expect(isIanaTimezone('UTC')).toBe(true);
    expect(isIanaTimezone('Europe/Berlin')).toBe(true);
    expect(isIanaTimezone("UTC'; drop table x")).toBe(false);
    expect(isIanaTimezone('')).toBe(false);
  });
});
