import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { sessionEndsAt, uuidv7Time } from './session-lifetime';

describe('session lifetime', () => {
  it('when a family id is a UUIDv7, then its creation time is read back to the millisecond', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    expect(uuidv7Time(uuidv7({ msecs: at })).getTime()).toBe(at);
  });

  it('when the maximum is 90 days, then the session ends 90 days after the login', () => {
    const at = Date.UTC(2026, 0, 1);
    expect(sessionEndsAt(uuidv7({ msecs: at }), 90).toISOString()).toBe('2026-04-01T00:00:00.000Z');
  });
});
