import { describe, expect, it } from 'vitest';
import { sessionEnded } from './session-ended';

const u = '0190c4a2-7b1e-7c3d-8e4f-5a6b7c8d9e0f';
const other = '0190c4a2-7b1e-7c3d-8e4f-5a6b7c8d9e10';

describe('sessionEnded', () => {
  it("when another user's sessions are revoked, then this stream goes on", () => {
    expect(sessionEnded({ userId: other }, { userId: u, sessionId: 's1' })).toBe(false);
  });

  it('when one session is revoked (logout), then only streams of that session end', () => {
    expect(sessionEnded({ userId: u, sessionId: 's1' }, { userId: u, sessionId: 's1' })).toBe(true);
    expect(sessionEnded({ userId: u, sessionId: 's1' }, { userId: u, sessionId: 's2' })).toBe(false);
  });

  it('when every session but one is revoked (password change), then the kept one goes on', () => {
    expect(sessionEnded({ userId: u, exceptSessionId: 's2' }, { userId: u, sessionId: 's1' })).toBe(true);
    expect(sessionEnded({ userId: u, exceptSessionId: 's2' }, { userId: u, sessionId: 's2' })).toBe(false);
    expect(sessionEnded({ userId: u, exceptSessionId: 's2' }, { userId: u })).toBe(true);
  });

  it('when every session is revoked (deactivation, erasure), then every stream of the user ends', () => {
    expect(sessionEnded({ userId: u }, { userId: u, sessionId: 's1' })).toBe(true);
    expect(sessionEnded({ userId: u }, { userId: u })).toBe(true);
  });
});
