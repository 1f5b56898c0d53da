/** The access-token contract between auth (issuer) and every service (verifier). */
export const ACCESS_TOKEN_ISSUER = 'marquee-auth';
export const ACCESS_TOKEN_AUDIENCE = 'marquee';
/** Algorithms auth may sign with; anything else (notably `none` and HS*) is refused. */
export const ACCESS_TOKEN_ALGORITHMS = ['EdDSA', 'ES256'] as const;

export type Role = 'user' | 'admin';

/** Who made a request, as proven by a verified access token. */
export interface Identity {
  userId: string;
  role: Role;
  /** When the token lapses: long-lived responses (streams) end then. */
  expiresAt?: Date;
  /** The login session (refresh-token family) the token was issued to, from claim `sid`. */
  sessionId?: string;
}

export interface VerifiedAccessToken extends Identity {
  tokenId: string;
  expiresAt: Date;
}

export const DEFAULT_JWKS_URL = 'http://127.0.0.1:3001/.well-known/jwks.json';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

export function isRole(value: unknown): value is Role {
  return value === 'user' || value === 'admin';
}
