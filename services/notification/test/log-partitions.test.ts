import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quarterOf } from '../src/domain/quarters';
import { archiveOldPartitions, ensurePartitions } from '../src/logs/log-partitions';
import { asOwner, runMaintenance } from '../src/logs/maintenance';
import {
  sharedPrefixes,
  startTestNotification,
  type TestNotification,
  adminQueries,
} from './fixtures/notification-env';

let n: TestNotification;

beforeAll(async () => {
  n = await startTestNotification('n_parts', { ...sharedPrefixes('n_parts'), LOG_PARTITIONS_AHEAD: '2' });
});
afterAll(async () => {
  await n?.stop();
});

const q = (text: string, values: unknown[] = []) => adminQueries(n.env.DATABASE_URL as string).q(text, values);
const partitions = async () =>
  (
    await q(`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
             where i.inhparent = 'notification_logs'::regclass order by 1`)
  ).rows.map((r) => r.relname as string);
const insertLog = (createdAt: string) =>
  q(
    `insert into notification_logs (id, created_at, user_id, notification_type, kind, payload, status, recipient)
     values ($1, $2, $3, 'email', 'weekly_digest', '{}', 'delivered', 'j***@example.com')`,
    [randomUUID(), createdAt, randomUUID()],
  );

describe('notification_logs partitions', () => {
  it('When the service starts, then the current quarter and the configured quarters ahead exist', async () => {
    const now = new Date();
    expect(await partitions()).toEqual(expect.arrayContaining([0, 1, 2].map((i) => quarterOf(now, i).name)));
  });

  it('When partitions are ensured again or for a later date, then only missing quarters are made', async () => {
    expect(
      await asOwner(n.config.DATABASE_OWNER_URL, n.deps.database, (o) => ensurePartitions(o, new Date(), 2)),
    ).toEqual([]);
    expect(
      await asOwner(n.config.DATABASE_OWNER_URL, n.deps.database, (o) =>
        ensurePartitions(o, new Date('2031-05-20T00:00:00Z'), 1),
      ),
    ).toEqual(['notification_logs_2031_q2', 'notification_logs_2031_q3']);
  });

  it('When the periodic maintenance runs in a service serving as the application role, then it makes the quarters ahead as the owner', async () => {
    expect(n.config.DATABASE_OWNER_URL).not.toBe('');
    expect(n.config.DATABASE_URL).not.toBe(n.config.DATABASE_OWNER_URL);
    await runMaintenance(n.ctx, new Date('2033-08-10T00:00:00Z'));
    expect(await partitions()).toEqual(
      expect.arrayContaining(['notification_logs_2033_q3', 'notification_logs_2033_q4', 'notification_logs_2034_q1']),
    );
  });

  it('When a quarter is older than the retention, then it is archived (gzip JSON lines, manifest with sha256) and dropped; newer ones stay', async () => {
    await asOwner(n.config.DATABASE_OWNER_URL, n.deps.database, (o) =>
      ensurePartitions(o, new Date('2024-02-01T00:00:00Z'), 1),
    );
    await Promise.all(['2024-02-15T10:00:00Z', '2024-03-31T23:59:59Z', '2024-01-01T00:00:00Z'].map(insertLog));
    await insertLog('2024-05-01T00:00:00Z');
    // A partition detached by a run that crashed before archiving is finished too.
    await asOwner(n.config.DATABASE_OWNER_URL, n.deps.database, (o) =>
      ensurePartitions(o, new Date('2023-11-01T00:00:00Z'), 0),
    );
    await asOwner(n.config.DATABASE_OWNER_URL, n.deps.database, (o) =>
      o.pool.query('alter table notification_logs detach partition notification_logs_2023_q4'),
    );

    const dir = n.env.LOG_ARCHIVE_DIR as string;
    const done = await asOwner(n.config.DATABASE_OWNER_URL, n.deps.database, (o) =>
      archiveOldPartitions(o, new Date('2025-06-15T00:00:00Z'), 365, dir, n.deps.logger),
    );
    expect(done.map((m) => m.partition).sort()).toEqual(['notification_logs_2023_q4', 'notification_logs_2024_q1']);
    const q1 = done.find((m) => m.partition === 'notification_logs_2024_q1');
    expect(q1).toMatchObject({ rows: 3, from: '2024-01-01T00:00:00.000Z', to: '2024-04-01T00:00:00.000Z' });
    const file = await readFile(path.join(dir, q1?.file as string));
    expect(createHash('sha256').update(file).digest('hex')).toBe(q1?.sha256);
    const manifest = JSON.parse(await readFile(path.join(dir, 'notification_logs_2024_q1.manifest.json'), 'utf8'));
    expect(manifest.sha256).toBe(q1?.sha256);
    const rows = gunzipSync(file)
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.recipient)).toEqual(['j***@example.com', 'j***@example.com', 'j***@example.com']);
    const left = await partitions();
    expect(left).not.toContain('notification_logs_2024_q1');
    expect(left).toContain('notification_logs_2024_q2');
    expect(
      (await q(`select 1 from pg_class where relname in ('notification_logs_2024_q1', 'notification_logs_2023_q4')`))
        .rowCount,
    ).toBe(0);
    expect(
      (await q(`select count(*)::int as n from notification_logs where created_at < '2024-06-01'`)).rows[0].n,
    ).toBe(1);
  });
});
