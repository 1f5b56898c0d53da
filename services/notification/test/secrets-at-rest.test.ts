import { randomBytes } from 'node:crypto';
import { dropDatabase } from '@marquee/platform-testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  adminQueries,
  sharedPrefixes,
  startTestNotification,
  type TestNotification,
} from './fixtures/notification-env';

const key = () => randomBytes(32).toString('base64');
const k1 = `k1:${key()}`;
const k2 = `k2:${key()}`;
const shared = sharedPrefixes('n_secrets');

let n: TestNotification | undefined;
let databaseUrl = '';
let ownerUrl = '';

/** (Re)starts notification on the same database under a key ring. */
async function start(keys: string, active: string): Promise<TestNotification> {
  await n?.stop({ keepDatabase: true });
  n = undefined;
  const running = await startTestNotification('n_secrets', {
    ...shared,
    NOTIFICATION_ENCRYPTION_KEYS: keys,
    NOTIFICATION_ENCRYPTION_ACTIVE_KID: active,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, DATABASE_OWNER_URL: ownerUrl } : {}),
  });
  databaseUrl = running.env.DATABASE_URL as string;
  ownerUrl = running.env.DATABASE_OWNER_URL as string;
  n = running;
  return running;
}

const stored = async () => {
  const { rows } = await adminQueries(databaseUrl).q(`select name, value from service_keys order by name`);
  return Object.fromEntries(rows.map((r) => [r.name, r.value])) as {
    vapid: { publicKey: string; privateKey: string };
    'link-signing': string;
  };
};

afterAll(async () => {
  await n?.stop({ keepDatabase: true });
  if (!databaseUrl) return;
  await adminQueries(databaseUrl).close();
  await dropDatabase(databaseUrl);
});

describe('secrets at rest', () => {
  it('When the service makes its VAPID and link-signing keys, then the database holds them only sealed', async () => {
    const running = await start(k1, 'k1');
    const rows = await stored();
    expect(rows.vapid.publicKey).toBe(running.ctx.vapid.publicKey);
    expect(rows.vapid.privateKey).toMatch(/^v1:k1:/);
    expect(rows.vapid.privateKey).not.toContain(running.ctx.vapid.privateKey);
    expect(Buffer.from(running.ctx.vapid.privateKey, 'base64url')).toHaveLength(32);
    expect(rows['link-signing']).toMatch(/^v1:k1:/);
    expect(rows['link-signing']).not.toContain(running.ctx.linkKey.toString('base64'));
    expect(running.ctx.linkKey).toHaveLength(32);
  });

  it('When keys were stored plain by an older version, then the next start seals them and keeps using them', async () => {
    const plainLink = key();
    const vapid = { ...(await stored()).vapid, privateKey: randomBytes(32).toString('base64url') };
    const admin = adminQueries(databaseUrl);
    await admin.q(`update service_keys set value = $1 where name = 'vapid'`, [JSON.stringify(vapid)]);
    await admin.q(`update service_keys set value = $1 where name = 'link-signing'`, [JSON.stringify(plainLink)]);

    const running = await start(k1, 'k1');
    expect(running.ctx.vapid).toEqual(vapid);
    expect(running.ctx.linkKey.toString('base64')).toBe(plainLink);
    const rows = await stored();
    expect(rows.vapid.privateKey).toMatch(/^v1:k1:/);
    expect(rows['link-signing']).toMatch(/^v1:k1:/);
    expect(JSON.stringify(rows)).not.toContain(vapid.privateKey);
    expect(JSON.stringify(rows)).not.toContain(plainLink);
  });

  it('When a new key becomes active, then a start re-seals under it; a ring without the sealing key refuses to start', async () => {
    const before = await start(k1, 'k1');
    const { vapid, linkKey } = before.ctx;
    const rotated = await start(`${k1},${k2}`, 'k2');
    expect(rotated.ctx.vapid).toEqual(vapid);
    expect(rotated.ctx.linkKey).toEqual(linkKey);
    const rows = await stored();
    expect(rows.vapid.privateKey).toMatch(/^v1:k2:/);
    expect(rows['link-signing']).toMatch(/^v1:k2:/);

    await n?.stop({ keepDatabase: true });
    n = undefined;
    await expect(start(`k3:${key()}`, 'k3')).rejects.toThrow(
      /encrypted under key "k2", which NOTIFICATION_ENCRYPTION_KEYS does not list/,
    );
    expect((await stored()).vapid.privateKey).toMatch(/^v1:k2:/);
  });
});
