import type { SessionsRevoked } from '@marquee/platform-bus';

/**
 * Whether a revocation ends a stream opened with a token of `stream.sessionId`: one revoked session
 * ends only its own streams; "all but one" ends every other stream of the user, including those
 * whose token names no session.
 */
export function sessionEnded(revoked: SessionsRevoked, stream: { userId: string; sessionId?: string }): boolean {
  if (revoked.userId !== stream.userId) return false;
  if (revoked.sessionId) return stream.sessionId === revoked.sessionId;
  return !revoked.exceptSessionId || stream.sessionId !== revoked.exceptSessionId;
}
