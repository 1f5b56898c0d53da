import { AppError, forbidden, markBearerGuard, unauthorized } from '@marquee/platform-http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Identity, VerifiedAccessToken } from './claims';
import {
  type AccessTokenVerifier,
  createAccessTokenVerifier,
  InvalidTokenError,
  KeySourceUnavailableError,
  type VerifierOptions,
} from './verifier';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set from a verified bearer token; null when the request carries none. */
    identity: Identity | null;
  }
}

export type AuthOptions = VerifierOptions;

const BEARER_RE = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

function invalidToken(reply: FastifyReply, reason: string): AppError {
  reply.header('www-authenticate', 'Bearer error="invalid_token"');
  return new AppError(401, 'AUTH.INVALID_TOKEN', `Access token rejected: ${reason}`);
}

/**
 * Verifies an optional `Authorization: Bearer` access token on every request and sets
 * `request.identity`. A token that is present but not valid is refused with 401 AUTH.INVALID_TOKEN
 * (never silently treated as anonymous). Register before the routes it protects.
 */
export function registerAuth(app: FastifyInstance, opts: AuthOptions): AccessTokenVerifier {
  const verify = createAccessTokenVerifier(opts);
  app.decorateRequest('identity', null);
  const refusal = (req: FastifyRequest, reply: FastifyReply, err: unknown): Error => {
    if (err instanceof InvalidTokenError) return invalidToken(reply, err.message);
    if (err instanceof KeySourceUnavailableError) {
      req.log.error({ err }, 'access token keys unavailable');
      return new AppError(503, err.code, 'Cannot verify access tokens right now; retry shortly');
    }
    return err as Error;
  };
  // Callback style: a token verified before is answered from memory without a promise or an extra tick.
  app.addHook('onRequest', (req, reply, done) => {
    req.identity = null;
    const header = req.headers.authorization;
    if (header === undefined || header === '') return done();
    const match = BEARER_RE.exec(header.trim());
    if (!match) return done(invalidToken(reply, 'Authorization header must be "Bearer <jwt>"'));
    const token = match[1] as string;
    const known = verify.remembered?.(token);
    if (known) {
      req.identity = identityOf(known);
      return done();
    }
    verify(token).then(
      (verified) => {
        req.identity = identityOf(verified);
        done();
      },
      (err: unknown) => done(refusal(req, reply, err)),
    );
  });
  return verify;
}

function identityOf(token: VerifiedAccessToken): Identity {
  return {
    userId: token.userId,
    role: token.role,
    expiresAt: token.expiresAt,
    ...(token.sessionId ? { sessionId: token.sessionId } : {}),
  };
}

/** preHandler: the request must carry a valid access token (the route's OpenAPI security says so). */
export const requireUser = markBearerGuard(async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
  if (!req.identity) {
    reply.header('www-authenticate', 'Bearer');
    throw unauthorized('AUTH.REQUIRED', 'This route needs a bearer access token');
  }
}, 'user');

/** preHandler: the request must carry a valid access token of an admin. */
export const requireAdmin = markBearerGuard(async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
  await requireUser(req, reply);
  if (req.identity?.role !== 'admin') throw forbidden('AUTH.FORBIDDEN', 'This route is for admins only');
}, 'admin');

/** For routes scoped to one user (`/users/:id/...`): the owner or an admin, else 403. */
export function assertSelfOrAdmin(identity: Identity | null, userId: string): void {
  if (!identity) throw unauthorized('AUTH.REQUIRED', 'This route needs a bearer access token');
  if (identity.role !== 'admin' && identity.userId !== userId) {
    throw forbidden('AUTH.FORBIDDEN', 'You may only access your own data');
  }
}
