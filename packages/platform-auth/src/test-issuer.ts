import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, type Role } from './claims';

export interface TestTokenClaims {
  sub: string;
  role: Role | string;
}

export interface SignOptions {
  /** Seconds from now, negative for an already expired token (default 900). */
  expiresInSeconds?: number;
  issuer?: string;
  audience?: string;
  jti?: string;
  /** Extra or overriding claims. */
  claims?: Record<string, unknown>;
}

export interface TestIssuer {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Signs an access token with the current key, published in the JWKS. */
  sign(claims: TestTokenClaims, opts?: SignOptions): Promise<string>;
  /** Adds a fresh key and signs with it from now on; the old key stays published. */
  rotate(): Promise<string>;
  /** How many times the JWKS was fetched (to observe verifier caching). */
  readonly jwksFetches: number;
  close(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' } };
}

/**
 * A real token issuer for tests: a fresh Ed25519 key pair, its JWKS served over HTTP on
 * 127.0.0.1:<random port>, and tokens shaped exactly like auth's access tokens.
 */
export async function startTestIssuer(): Promise<TestIssuer> {
  const keys: SigningKey[] = [await newKey()];
  let fetches = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    issuer: ACCESS_TOKEN_ISSUER,
    audience: ACCESS_TOKEN_AUDIENCE,
    get jwksFetches() {
      return fetches;
    },
    async sign(claims, opts = {}) {
      const key = keys[keys.length - 1] as SigningKey;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ role: claims.role, ...opts.claims })
        .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'at+jwt' })
        .setSubject(claims.sub)
        .setIssuer(opts.issuer ?? ACCESS_TOKEN_ISSUER)
        .setAudience(opts.audience ?? ACCESS_TOKEN_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + (opts.expiresInSeconds ?? 900))
        .setJti(opts.jti ?? randomUUID())
        .sign(key.privateKey);
    },
    async rotate() {
      const key = await newKey();
      keys.push(key);
      return key.kid;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
