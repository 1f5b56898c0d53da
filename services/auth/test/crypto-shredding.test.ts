import { Topics, UserRegistered, UserUpdated } from '@marquee/contracts';
import type { SealedUserFields } from '../src/domain/sealed-fields';
import type { HttpApp } from '@marquee/platform-http';
import { type EventConsumer, on, startEventConsumer } from '@marquee/platform-events';
import { eventually, testInfra, uniqueName } from '@marquee/platform-testing';
import type { Consumer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUser } from '@marquee/platform-db';
import { openSealedFields } from '../src/accounts/user-data-key';
import { bearer, registerAccount, startTestAuth, type TestAuth } from './fixtures/auth-env';

let auth: TestAuth;
let app: HttpApp;
let failing: EventConsumer;

/** Every record of a topic, as raw text, from the beginning. */
async function rawRecords(topic: string): Promise<string[]> {
  const out: string[] = [];
  const consumer: Consumer = auth.deps.kafka.consumer({ groupId: uniqueName('scan'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      out.push(`${message.key?.toString() ?? ''} ${message.value?.toString() ?? ''}`);
    },
  });
  await new Promise((r) => setTimeout(r, 3000));
  await consumer.disconnect();
  return out;
}

/** Every row of every table of every database this test run made, as text. */
async function everyRowOfTheRun(): Promise<string[]> {
  const admin = new pg.Client({ connectionString: testInfra().postgresAdminUrl });
  await admin.connect();
  const { rows: dbs } = await admin.query('select datname from pg_database where starts_with(datname, $1)', [
    `t_${testInfra().runId}`,
  ]);
  await admin.end();
  const found: string[] = [];
  for (const { datname } of dbs) {
    const url = new URL(testInfra().postgresAdminUrl);
    url.pathname = `/${datname}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect().catch(() => undefined);
    try {
      const { rows: tables } = await client.query(
        `select table_schema, table_name from information_schema.tables
         where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
      );
      for (const t of tables) {
        const { rows } = await client.query(`select t::text as row from "${t.table_schema}"."${t.table_name}" t`);
        found.push(...rows.map((r) => `${datname}.${t.table_name}: ${r.row}`));
      }
    } catch {
      // A database dropped by another test file of the run while this one was reading it.
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return found;
}

beforeAll(async () => {
  auth = await startTestAuth('auth-shred');
  app = auth.app;
  await app.ready();
  // A consumer that always fails: user events land in auth.user.v1.dlq, as a broken consumer would leave them.
  failing = await startEventConsumer({
    kafka: auth.deps.kafka,
    settings: auth.deps.settings,
    database: auth.deps.database,
    logger: auth.deps.logger,
    groupId: 'always-fails',
    topics: [Topics.authUser],
    handlers: [
      on(UserRegistered, async () => {
        throw new Error('projection unavailable');
      }),
      on(UserUpdated, async () => {
        throw new Error('projection unavailable');
      }),
    ],
    maxAttempts: 1,
    retryBaseMs: 1,
    fromBeginning: true,
  });
});
afterAll(async () => {
  await failing?.stop();
  await auth?.stop();
});

describe('crypto-shredding of personal data in events', () => {
  it('when a user is erased, then no readable email is left in any database of the run, the topic or its DLQ', {
    timeout: 90_000,
  }, async () => {
    const acct = await registerAccount(app, { firstName: 'Grace', lastName: 'Hopperstein' });
    const patched = await app.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: bearer(acct.accessToken),
      payload: { deviceToken: 'apns-token-shred-me', deviceType: 'ios' },
    });
    expect(patched.statusCode).toBe(200);
    const topic = `${auth.deps.settings.topicPrefix}${Topics.authUser}`;
    await eventually(async () => failing.stats.deadLettered >= 2, {
      what: 'both events dead-lettered',
      timeoutMs: 30_000,
    });

    const secrets = [
      acct.email.toLowerCase(),
      acct.email.split('@')[0] as string,
      'Hopperstein',
      'apns-token-shred-me',
    ];
    const leaks = (texts: string[]) =>
      texts.filter((t) => secrets.some((s) => t.toLowerCase().includes(s.toLowerCase())));

    // While the user exists: the events carry the fields sealed, and auth (only) can open them.
    const published = (await rawRecords(topic)).filter((r) => r.startsWith(acct.userId));
    expect(published.length).toBeGreaterThanOrEqual(2);
    expect(leaks(published)).toEqual([]);
    const sealed = JSON.parse(published[0]?.slice(acct.userId.length + 1) as string).data.sealed as SealedUserFields;
    expect(
      await withUser(auth.deps.database.db, acct.userId, (tx) =>
        openSealedFields(tx, auth.ctx.cipher, acct.userId, sealed),
      ),
    ).toMatchObject({
      email: acct.email.toLowerCase(),
      lastName: 'Hopperstein',
    });

    const erased = await app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: bearer(acct.accessToken),
      payload: { password: acct.password },
    });
    expect(erased.statusCode).toBe(204);

    expect(leaks(await everyRowOfTheRun())).toEqual([]);
    const kafkaCopies = [...(await rawRecords(topic)), ...(await rawRecords(`${topic}.dlq`))];
    expect(kafkaCopies.some((r) => r.includes(sealed.email as string))).toBe(true);
    expect(leaks(kafkaCopies)).toEqual([]);
    // The ciphertext outlives the user in Kafka; the key does not, so nobody can read it any more.
    expect(
      await withUser(auth.deps.database.db, acct.userId, (tx) =>
        openSealedFields(tx, auth.ctx.cipher, acct.userId, sealed),
      ),
    ).toBeNull();
    const { rows } = await auth.raw.query('select count(*)::int as n from users where id = $1', [acct.userId]);
    expect(rows[0].n).toBe(0);
  });
});
