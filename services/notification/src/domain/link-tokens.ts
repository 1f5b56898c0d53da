import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a signed link carries: the log it tracks, or the user and list it unsubscribes. */
export type LinkClaims =
  | { p: 'open'; l: string; c: string }
  | { p: 'click'; l: string; c: string; m: number }
  | { p: 'unsub'; u: string; k: 'weekly_digest' | 'recommendation_alert' | 'trending_alert' };

const b64 = (buf: Buffer) => buf.toString('base64url');

/** `<payload>.<hmac>` in base64url; no expiry, since a link in an old email must keep working. */
export function signLink(key: Buffer, claims: LinkClaims): string {
  const body = b64(Buffer.from(JSON.stringify(claims)));
  return `${body}.${b64(createHmac('sha256', key).update(body).digest())}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KINDS = new Set(['weekly_digest', 'recommendation_alert', 'trending_alert']);

function wellFormed(c: Record<string, unknown>): c is LinkClaims {
  if (c.p === 'open' || c.p === 'click') {
    const okLog =
      typeof c.l === 'string' && UUID_RE.test(c.l) && typeof c.c === 'string' && !Number.isNaN(Date.parse(c.c));
    return okLog && (c.p === 'open' || (Number.isInteger(c.m) && (c.m as number) > 0));
  }
  return c.p === 'unsub' && typeof c.u === 'string' && UUID_RE.test(c.u) && KINDS.has(c.k as string);
}

/** The claims of a token signed with key and meant for purpose, or null for anything tampered or malformed. */
export function verifyLink<P extends LinkClaims['p']>(
  key: Buffer,
  token: string,
  purpose: P,
): Extract<LinkClaims, { p: P }> | null {
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined) return null;
  // Compared as text: base64url decoding ignores trailing bits, so two spellings could carry one MAC.
  const expected = Buffer.from(b64(createHmac('sha256', key).update(body).digest()));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    return wellFormed(claims) && claims.p === purpose ? (claims as Extract<LinkClaims, { p: P }>) : null;
  } catch {
    return null;
  }
}
