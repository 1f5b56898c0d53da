import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import {
  ACCESS_TOKEN_ALGORITHMS,
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  isRole,
  isUserId,
  type VerifiedAccessToken,
} from './claims';

export interface VerifierOptions {
  /** Where auth publishes its public keys. Either this or `keys`. */
  jwksUrl?: string;
  /** A key resolver (auth itself verifies against its own key table). */
  keys?: JWTVerifyGetKey;
  issuer?: string;
  audience?: string;
  /** Minimum time between JWKS refetches caused by an unknown kid (jose's cooldown). */
  jwksCooldownMs?: number;
  /** How long fetched keys are trusted before a refetch. */
  jwksCacheMaxAgeMs?: number;
  jwksTimeoutMs?: number;
  clockToleranceSeconds?: number;
  /**
   * Remember up to this many verified tokens (by their exact bytes) until they expire, so repeated
   * calls with one token skip the signature check (the gateway's hot path). Failures are never
   * remembered. 0 (default): verify every time.
   */
  cacheMaxEntries?: number;
}

/** A token that does not prove an identity; the reason is safe to show the caller. */
export class InvalidTokenError extends Error {
  readonly code = 'AUTH.INVALID_TOKEN';
}

/** The key source could not be reached: not the caller's fault, so not a 401. */
export class KeySourceUnavailableError extends Error {
  readonly code = 'AUTH.KEYS_UNAVAILABLE';
}

export type AccessTokenVerifier = ((token: string) => Promise<VerifiedAccessToken>) & {
  /** With a cache: the token's verified claims when it was verified before and has not expired, at once. */
  remembered?: (token: string) => VerifiedAccessToken | undefined;
};

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim "${err.claim}" is not acceptable (${err.reason})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return 'token is not signed by a known key';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not allowed';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'token is malformed';
  return 'token is invalid';
}

// jose reports a non-200 JWKS answer as a plain JOSEError; it says nothing about the token.
function isJwksFetchFailure(err: unknown): boolean {
  return (
    err instanceof errors.JOSEError && err.constructor === errors.JOSEError && err.message.includes('JSON Web Key Set')
  );
}

/** Verifies Marquee access tokens: signature against the JWKS, iss, aud, exp, and the sub/role/jti claims. */
export function createAccessTokenVerifier(opts: VerifierOptions): AccessTokenVerifier {
  const keys =
    opts.keys ??
    (opts.jwksUrl
      ? createRemoteJWKSet(new URL(opts.jwksUrl), {
          cooldownDuration: opts.jwksCooldownMs ?? 30_000,
          cacheMaxAge: opts.jwksCacheMaxAgeMs ?? 10 * 60_000,
          timeoutDuration: opts.jwksTimeoutMs ?? 5_000,
        })
      : undefined);
  if (!keys) throw new Error('createAccessTokenVerifier needs jwksUrl or keys');
  const issuer = opts.issuer ?? ACCESS_TOKEN_ISSUER;
  const audience = opts.audience ?? ACCESS_TOKEN_AUDIENCE;

  const verifyToken: AccessTokenVerifier = async (token) => {
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer,
        audience,
        algorithms: [...ACCESS_TOKEN_ALGORITHMS],
        requiredClaims: ['sub', 'exp', 'jti'],
        clockTolerance: opts.clockToleranceSeconds ?? 5,
      }));
    } catch (err) {
      if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || isJwksFetchFailure(err)) {
        throw new KeySourceUnavailableError(`signing keys unavailable: ${(err as Error).message}`);
      }
      if (err instanceof errors.JOSEError) throw new InvalidTokenError(reasonOf(err));
      // fetch failures (connection refused, DNS) are not JOSE errors: the key source is down.
      throw new KeySourceUnavailableError(`signing keys unavailable: ${(err as Error).message}`);
    }
    if (!isUserId(payload.sub)) throw new InvalidTokenError('claim "sub" is not a user id');
    if (!isRole(payload.role)) throw new InvalidTokenError('claim "role" must be user or admin');
    if (typeof payload.jti !== 'string' || payload.jti.length === 0)
      throw new InvalidTokenError('claim "jti" is missing');
    return {
      userId: payload.sub,
      role: payload.role,
      tokenId: payload.jti,
      expiresAt: new Date((payload.exp as number) * 1000),
      ...(isUserId(payload.sid) ? { sessionId: payload.sid } : {}),
    };
  };
  return opts.cacheMaxEntries ? rememberVerified(verifyToken, opts.cacheMaxEntries) : verifyToken;
}

/** An LRU of verified tokens; an entry is dropped once its token expires. */
function rememberVerified(verifyToken: AccessTokenVerifier, maxEntries: number): AccessTokenVerifier {
  const verified = new Map<string, VerifiedAccessToken>();
  const remembered = (token: string) => {
    const hit = verified.get(token);
    if (!hit) return undefined;
    verified.delete(token);
    if (hit.expiresAt.getTime() <= Date.now()) return undefined;
    verified.set(token, hit);
    return hit;
  };
  const verify: AccessTokenVerifier = async (token) => {
    const hit = remembered(token);
    if (hit) return hit;
    const result = await verifyToken(token);
    if (verified.size >= maxEntries) verified.delete(verified.keys().next().value as string);
    verified.set(token, result);
    return result;
  };
  verify.remembered = remembered;
  return verify;
}
