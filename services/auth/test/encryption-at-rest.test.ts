import path from 'node:path';
import type { HttpApp } from '@marquee/platform-http';
import { repoRoot, runTs } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reencryptAll } from '../src/accounts/reencrypt-users';
import { FieldCipher } from '@marquee/platform-crypto';
import { bearer, key32, registerAccount, startTestAuth, type TestAuth } from './fixtures/auth-env';

let auth: TestAuth;
let app: HttpApp;

async function runCli(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; out: string; err: string }> {
  const p = runTs(path.join(repoRoot, 'services/auth/src/cli', script), env, args);
  const code = await p.exited;
  return { code, out: p.out(), err: p.err() };
}

const rawUsers = async () => (await auth.raw.query('select * from users order by id')).rows;

beforeAll(async () => {
  auth = await startTestAuth('auth-crypto');
  app = auth.app;
  await app.ready();
});
afterAll(async () => {
  await auth?.stop();
});

describe('encryption at rest', () => {
  it('When a user saves email, phone, birth date and device token, then raw SQL shows none of them', async () => {
    const acct = await registerAccount(app);
    await app.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: bearer(acct.accessToken),
      payload: {
        phone: '+4915112345678',
        dateOfBirth: '1985-12-24',
        deviceToken: 'apns-device-token-xyz',
        deviceType: 'ios',
      },
    });
    const { rows } = await auth.raw.query('select * from users where id = $1', [acct.userId]);
    const dump = JSON.stringify(rows[0]).toLowerCase();
    for (const secret of [
      acct.email.toLowerCase(),
      acct.email.split('@')[0] as string,
      '4915112345678',
      '1985-12-24',
      'apns-device-token-xyz',
    ]) {
      expect(dump).not.toContain(secret);
    }
    for (const col of ['email_encrypted', 'phone_encrypted', 'date_of_birth_encrypted', 'device_token_encrypted']) {
      expect(rows[0][col]).toMatch(/^v1:k1:/);
    }
    expect(rows[0].email_hash).toMatch(/^[0-9a-f]{64}$/);
    const keys = (await auth.raw.query('select private_key_encrypted from signing_keys')).rows;
    expect(keys.every((k) => /^v1:k1:/.test(k.private_key_encrypted))).toBe(true);
  });

  it('When the reencrypt CLI runs with a new active key, then every value moves to it, still decrypts, and a second run changes nothing', {
    timeout: 150_000,
  }, async () => {
    await registerAccount(app);
    await registerAccount(app);
    const k2 = key32();
    const env = {
      ...auth.env,
      AUTH_ENCRYPTION_KEYS: `${auth.env.AUTH_ENCRYPTION_KEYS},k2:${k2}`,
      AUTH_ENCRYPTION_ACTIVE_KID: 'k2',
    };
    const before = await rawUsers();
    const first = await runCli('reencrypt.ts', env, ['--batch-size', '2']);
    expect(first.code, first.err).toBe(0);
    const summary = JSON.parse(first.out.trim().split('\n').pop() as string);
    expect(summary).toMatchObject({ usersChanged: before.length, signingKeysChanged: 1 });
    expect(first.err).toContain(`reencrypt users: 0/${before.length} (0%)\n`);
    expect(first.err).toContain(`reencrypt users: ${before.length}/${before.length} (100%)\n`);

    const after = await rawUsers();
    const cipher = FieldCipher.fromConfig(env.AUTH_ENCRYPTION_KEYS, 'k2');
    const oldCipher = FieldCipher.fromConfig(auth.env.AUTH_ENCRYPTION_KEYS as string, 'k1');
    after.forEach((row, i) => {
      expect(row.email_encrypted).toMatch(/^v1:k2:/);
      const ctx = `users.email:${row.id}`;
      expect(cipher.decrypt(row.email_encrypted, ctx)).toBe(oldCipher.decrypt(before[i].email_encrypted, ctx));
    });
    // The second run in-process: same code path as the CLI, without another process start.
    const rotatedCtx = { ...auth.ctx, cipher };
    expect(await reencryptAll(rotatedCtx, 2)).toEqual({ scanned: 0, usersChanged: 0, signingKeysChanged: 0 });
  });
});
