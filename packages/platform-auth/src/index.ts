export * from './claims';
export { type AuthOptions, assertSelfOrAdmin, registerAuth, requireAdmin, requireUser } from './fastify';
export { startTestIssuer, type SignOptions, type TestIssuer, type TestTokenClaims } from './test-issuer';
export {
  type AccessTokenVerifier,
  createAccessTokenVerifier,
  InvalidTokenError,
  KeySourceUnavailableError,
  type VerifierOptions,
} from './verifier';
