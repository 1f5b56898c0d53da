import type { SealedUserFields } from '../src/domain/sealed-fields';
import { Topics } from '@marquee/contracts';
import { requestJson, Subjects } from '@marquee/platform-bus';
import type { HttpApp } from '@marquee/platform-http';
import { eventually } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthExport } from '../src/gdpr/export-over-nats';
import { bearer, collectEvents, registerAccount, startTestAuth, type TestAuth } from './fixtures/auth-env';
import { withUser } from '@marquee/platform-db';
import { openSealedFields } from '../src/accounts/user-data-key';

let auth: TestAuth;
let app: HttpApp;
let reader: Awaited<ReturnType<typeof collectEvents>>;

beforeAll(async () => {
  auth = await startTestAuth('auth-events');
  app = auth.app;
  await app.ready();
  reader = await collectEvents(auth, Topics.authUser);
});
afterAll(async () => {
  await reader?.stop();
  await auth?.stop();
});

const exportSubject = () => `${auth.config.NATS_SUBJECT_PREFIX}${Subjects.gdprExport('auth')}`;
const eventsFor = (userId: string) => reader.events.filter((e) => e.key === userId);

describe('events and GDPR', () => {
  it('When a user registers and updates their profile, then user.registered and user.updated reach Kafka in order', async () => {
    const acct = await registerAccount(app, { preferredLanguage: 'de-DE', timezone: 'Europe/Berlin' });
    await app.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: bearer(acct.accessToken),
      payload: { firstName: 'Grete' },
    });
    const seen = await eventually(() => (eventsFor(acct.userId).length >= 2 ? eventsFor(acct.userId) : false), {
      what: 'user events on auth.user.v1',
      timeoutMs: 30_000,
    });
    expect(seen.map((e) => e.type)).toEqual(['user.registered', 'user.updated']);
    expect(seen[0]).toMatchObject({
      source: 'auth',
      key: acct.userId,
      data: { userId: acct.userId, timezone: 'Europe/Berlin' },
    });
    expect(seen[1]?.data).toMatchObject({ changed: ['firstName'] });
    // Personal fields travel sealed under the user's key: only auth opens them.
    expect(JSON.stringify(seen)).not.toContain(acct.email);
    const sealed = (seen[1]?.data as { sealed: SealedUserFields } | undefined)?.sealed as SealedUserFields;
    expect(
      await withUser(auth.deps.database.db, acct.userId, (tx) =>
        openSealedFields(tx, auth.ctx.cipher, acct.userId, sealed),
      ),
    ).toMatchObject({
      email: acct.email,
      firstName: 'Grete',
    });
  });

  it('When GDPR export is requested over NATS, then auth answers the decrypted account and its sessions', async () => {
    const acct = await registerAccount(app);
    await app.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: bearer(acct.accessToken),
      payload: { phone: '+33612345678' },
    });
    const exported = await requestJson<AuthExport>(auth.deps.nats, exportSubject(), { userId: acct.userId }, 5_000);
    expect(exported).toMatchObject({
      service: 'auth',
      userId: acct.userId,
      account: { email: acct.email, phone: '+33612345678' },
    });
    expect(exported.sessions).toHaveLength(1);
    expect(JSON.stringify(exported)).not.toContain('password');
    const nobody = await requestJson<AuthExport>(
      auth.deps.nats,
      exportSubject(),
      { userId: '0190a0b0-0000-7000-8000-0000000000ff' },
      5_000,
    );
    expect(nobody).toMatchObject({ account: null, sessions: [] });
    await expect(requestJson(auth.deps.nats, exportSubject(), { userId: 'robert; drop table' }, 5_000)).rejects.toThrow(
      'userId must be a uuid',
    );
  });

  it('When a user deletes their account with the wrong password, then nothing is deleted; with the right one the row, tokens go and user.deleted reaches Kafka', async () => {
    const acct = await registerAccount(app);
    const del = (password: string) =>
      app.inject({ method: 'DELETE', url: '/v1/me', headers: bearer(acct.accessToken), payload: { password } });
    const wrong = await del('Not-My-Password-1');
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('AUTH.WRONG_PASSWORD');
    expect((await auth.raw.query('select 1 from users where id = $1', [acct.userId])).rowCount).toBe(1);

    await eventually(() => eventsFor(acct.userId).length === 1, {
      what: 'user.registered on Kafka before the erasure',
    });
    expect((await del(acct.password)).statusCode).toBe(204);
    const pool = auth.raw;
    expect((await pool.query('select 1 from users where id = $1', [acct.userId])).rowCount).toBe(0);
    expect((await pool.query('select 1 from refresh_tokens where user_id = $1', [acct.userId])).rowCount).toBe(0);
    const deleted = await eventually(() => eventsFor(acct.userId).find((e) => e.type === 'user.deleted'), {
      what: 'user.deleted on Kafka',
      timeoutMs: 30_000,
    });
    expect(deleted.data).toMatchObject({ userId: acct.userId });
    // Consumers saw user.registered before user.deleted; the auth database keeps no copy of the email.
    expect(eventsFor(acct.userId).map((e) => e.type)).toEqual(['user.registered', 'user.deleted']);
    const written = await pool.query(
      'select type, payload::text as p from outbox_written where key = $1 order by seq',
      [acct.userId],
    );
    expect(written.rows.map((r) => r.type)).toEqual(['user.registered', 'user.deleted']);
    expect(written.rows[1].p).not.toContain(acct.email);
    // The relay deletes each row once Kafka has it: no copy of the user's events stays in the outbox.
    await eventually(
      async () => (await pool.query('select 1 from outbox where key = $1', [acct.userId])).rowCount === 0,
      { what: "the user's outbox rows gone once published" },
    );
    expect((await app.inject({ url: '/v1/me', headers: bearer(acct.accessToken) })).statusCode).toBe(404);
    expect(
      (await app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: acct.refreshToken } }))
        .statusCode,
    ).toBe(401);
  });
});
