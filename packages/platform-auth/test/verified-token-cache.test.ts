import { createRemoteJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenVerifier, InvalidTokenError, startTestIssuer, type TestIssuer } from '../src/index';

const userId = '0190c4a2-7b1e-7c3d-8e4f-5a6b7c8d9e0f';

describe('verified-token cache (cacheMaxEntries)', () => {
  let issuer: TestIssuer;
  let keyLookups = 0;
  let keys: ReturnType<typeof createRemoteJWKSet>;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    const remote = createRemoteJWKSet(new URL(issuer.jwksUrl));
    keys = Object.assign((...args: Parameters<typeof remote>) => {
      keyLookups += 1;
      return remote(...args);
    }, remote);
  });
  afterAll(async () => {
    await issuer?.close();
  });

  it('When one token is presented again, then its signature is checked once and the same identity returned', async () => {
    const verify = createAccessTokenVerifier({ keys, cacheMaxEntries: 10 });
    const token = await issuer.sign({ sub: userId, role: 'admin' });
    const before = keyLookups;
    const first = await verify(token);
    const again = await verify(token);
    expect(again).toEqual(first);
    expect(first).toMatchObject({ userId, role: 'admin' });
    expect(keyLookups - before).toBe(1);
  });

  it('When a token is tampered or bad, then it is refused every time and never remembered', async () => {
    const verify = createAccessTokenVerifier({ keys, cacheMaxEntries: 10 });
    const token = await issuer.sign({ sub: userId, role: 'user' });
    await verify(token);
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p as string, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${s}`;
    await expect(verify(tampered)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(verify(tampered)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('When a remembered token expires, then it is verified again and refused', async () => {
    const verify = createAccessTokenVerifier({ keys, cacheMaxEntries: 10, clockToleranceSeconds: 0 });
    const token = await issuer.sign({ sub: userId, role: 'user' }, { expiresInSeconds: 1 });
    await verify(token);
    await new Promise((r) => setTimeout(r, 2100));
    await expect(verify(token)).rejects.toThrow('token has expired');
  });

  it('When more tokens than the limit are seen, then the least recently used is forgotten', async () => {
    const verify = createAccessTokenVerifier({ keys, cacheMaxEntries: 2 });
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => issuer.sign({ sub: userId, role: 'user' })));
    await verify(a as string);
    await verify(b as string);
    await verify(a as string);
    await verify(c as string);
    const before = keyLookups;
    await verify(a as string);
    expect(keyLookups - before).toBe(0);
    await verify(b as string);
    expect(keyLookups - before).toBe(1);
  });
});
