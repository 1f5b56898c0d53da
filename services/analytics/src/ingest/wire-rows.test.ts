import { describe, expect, it } from 'vitest';
import type { ActivityRow } from '../domain/activity-rows';
import { IpPolicy } from '../domain/ip-policy';
import { storableText, wireRecords } from './wire-rows';

describe('storable text', () => {
  it('when text holds a NUL or a lone surrogate, then the NUL is dropped and the surrogate replaced; pairs stay', () => {
    expect(storableText('a\0b')).toBe('ab');
    expect(storableText('x\ud800y')).toBe('x\ufffdy');
    expect(storableText('x\udc00')).toBe('x\ufffd');
    expect(storableText('🎬 ok')).toBe('🎬 ok');
    expect(storableText('plain')).toBe('plain');
    expect(storableText(null)).toBeNull();
  });
});

const ip = IpPolicy.fromConfig('truncate', '', '');
const at = new Date('2026-12-01T10:00:00.000Z');
const row = (o: Partial<ActivityRow>): ActivityRow => ({
  eventId: 'e1',
  seq: 0,
  userId: 'u1',
  sessionId: null,
  actionType: 'recommendation_impression',
  movieId: 1,
  ipPrefix: null,
  userAgent: null,
  referer: null,
  source: null,
  metadata: {},
  occurredAt: at,
  ...o,
});

describe('wire records', () => {
  it('when a row is written, then its nulls and a seq of 0 are left out and the IP policy has been applied', () => {
    const [plain] = wireRecords([row({ actionType: 'movie_view', movieId: 5, metadata: { x: 1 } })], ip);
    expect(plain).toEqual({ e: 'e1', u: 'u1', a: 'movie_view', m: 5, d: { x: 1 }, t: at });
    const [full] = wireRecords(
      [row({ seq: 2, sessionId: 's', ipPrefix: '203.0.113.7', userAgent: 'ua\0', referer: 'r', source: 'web' })],
      ip,
    );
    expect(full).toMatchObject({ q: 2, s: 's', i: ip.protect('203.0.113.7'), g: 'ua', r: 'r', o: 'web' });
    expect(full?.i).toMatch(/^203\.0\.113\./);
  });

  it('when an event is in the chunk twice, then its row is sent once', () => {
    const rows = [row({ eventId: 'e1' }), row({ eventId: 'e2', actionType: 'movie_view' }), row({ eventId: 'e1' })];
    expect(wireRecords(rows, ip).map((r) => r.e)).toEqual(['e1', 'e2']);
  });
});
