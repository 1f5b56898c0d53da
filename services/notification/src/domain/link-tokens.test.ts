import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signLink, verifyLink } from './link-tokens';

const key = randomBytes(32);
const log = '0190a0b0-0000-7000-8000-000000000001';
const at = '2026-11-30T10:00:00.000Z';

describe('link tokens', () => {
  it('When a token is verified with its key and purpose, then its claims come back', () => {
    const t = signLink(key, { p: 'click', l: log, c: at, m: 42 });
    expect(verifyLink(key, t, 'click')).toEqual({ p: 'click', l: log, c: at, m: 42 });
  });
  it('When a token is tampered, signed with another key or used for another purpose, then it is refused', () => {
    const t = signLink(key, { p: 'open', l: log, c: at });
    const [body, mac] = t.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ p: 'open', l: log.replace('1', '2'), c: at })).toString('base64url');
    expect(verifyLink(key, `${forged}.${mac}`, 'open')).toBeNull();
    expect(verifyLink(key, `${body}.${mac.slice(0, -2)}AA`, 'open')).toBeNull();
    // A last character that differs only in bits base64 decoding drops is still a different token.
    const sibling = mac.slice(0, -1) + String.fromCharCode(mac.charCodeAt(mac.length - 1) ^ 1);
    expect(verifyLink(key, `${body}.${sibling}`, 'open')).toBeNull();
    expect(verifyLink(randomBytes(32), t, 'open')).toBeNull();
    expect(verifyLink(key, t, 'click')).toBeNull();
    expect(verifyLink(key, 'garbage', 'open')).toBeNull();
    expect(verifyLink(key, `${t}.x`, 'open')).toBeNull();
  });
  it('When a correctly signed token carries malformed claims, then it is refused', () => {
    const t = signLink(key, { p: 'unsub', u: 'not-a-uuid', k: 'weekly_digest' });
    expect(verifyLink(key, t, 'unsub')).toBeNull();
  });
});
