import { requestJson, Subjects } from '@marquee/platform-bus';
import type { HttpApp } from '@marquee/platform-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactReply } from '../src/contact/answer-contact-requests';
import { bearer, registerAccount, startTestAuth, type TestAuth } from './fixtures/auth-env';

let auth: TestAuth;
let app: HttpApp;

beforeAll(async () => {
  auth = await startTestAuth('auth-contact');
  app = auth.app;
  await app.ready();
});
afterAll(async () => {
  await auth?.stop();
});

const ask = (userId: unknown) =>
  requestJson<ContactReply>(
    auth.deps.nats,
    `${auth.config.NATS_SUBJECT_PREFIX}${Subjects.authContact}`,
    { userId },
    5_000,
  );

describe('auth.contact over NATS', () => {
  it('When notification asks for a user with a device, then auth answers the decrypted email and device token', async () => {
    const acct = await registerAccount(app, { firstName: 'Ada', timezone: 'Europe/Paris', preferredLanguage: 'fr' });
    const patch = await app.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: bearer(acct.accessToken),
      payload: { deviceToken: 'fcm-token-0123456789', deviceType: 'android' },
    });
    expect(patch.statusCode).toBe(200);
    expect(await ask(acct.userId)).toEqual({
      found: true,
      email: acct.email,
      firstName: 'Ada',
      preferredLanguage: 'fr',
      timezone: 'Europe/Paris',
      deviceToken: 'fcm-token-0123456789',
      deviceType: 'android',
    });
  });

  it('When the user has no device or no first name, then those fields are omitted', async () => {
    const acct = await registerAccount(app);
    const reply = await ask(acct.userId);
    expect(reply).toEqual({ found: true, email: acct.email, preferredLanguage: 'en', timezone: 'UTC' });
  });

  it('When the user is unknown or deleted, then the answer is found: false; a malformed id is refused', async () => {
    expect(await ask('0190a0b0-0000-7000-8000-0000000000ee')).toEqual({ found: false });
    const acct = await registerAccount(app);
    const del = await app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: bearer(acct.accessToken),
      payload: { password: acct.password },
    });
    expect(del.statusCode).toBe(204);
    expect(await ask(acct.userId)).toEqual({ found: false });
    await expect(ask('not-a-uuid')).rejects.toThrow('userId must be a uuid');
  });

  it('When notification asks for several users at once, then the answers come in the order asked; a bad list is refused', async () => {
    const [a, b] = [await registerAccount(app, { firstName: 'Ada' }), await registerAccount(app)];
    const unknown = '0190a0b0-0000-7000-8000-0000000000ef';
    const askMany = (userIds: unknown) =>
      requestJson<{ contacts: ContactReply[] }>(
        auth.deps.nats,
        `${auth.config.NATS_SUBJECT_PREFIX}${Subjects.authContact}`,
        { userIds },
        5_000,
      );
    const { contacts } = await askMany([b.userId, unknown, a.userId]);
    expect(contacts).toEqual([
      { found: true, email: b.email, preferredLanguage: 'en', timezone: 'UTC' },
      { found: false },
      { found: true, email: a.email, firstName: 'Ada', preferredLanguage: 'en', timezone: 'UTC' },
    ]);
    await expect(askMany([])).rejects.toThrow('userIds must be 1 to 200 uuids');
    await expect(askMany([a.userId, 'not-a-uuid'])).rejects.toThrow('userIds must be 1 to 200 uuids');
    await expect(askMany(Array.from({ length: 201 }, () => a.userId))).rejects.toThrow('1 to 200');
  });
});
