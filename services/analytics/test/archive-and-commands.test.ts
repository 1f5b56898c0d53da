import { createHash, randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createLogger } from '@marquee/platform-logging';
import { adminPool, dropDatabase, runTs, serviceTestEnv, uniqueName } from '@marquee/platform-testing';
import type pg from 'pg';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPartitions } from '../src/db/partitions';
import { openAnalyticsDatabase } from '../src/db/open-analytics-database';
import { addMonths, monthStart, partitionName } from '../src/domain/months';
import type { Database } from '@marquee/platform-db';

const logger = createLogger('archive-test', 'warn');
const archiveDir = path.join(tmpdir(), uniqueName('archive'));
const env: Record<string, string> = {
  ...serviceTestEnv('analytics-archive'),
  ANALYTICS_ARCHIVE_DIR: archiveDir,
  ANALYTICS_RETENTION_MONTHS: '12',
};
const old = addMonths(monthStart(new Date()), -14);
const oldName = partitionName(old);
const erased = randomUUID();
const kept = randomUUID();
let database: Database;
// Rows as stored, past row-level security: the commands act as the owner, the test looks as a superuser.
let root: pg.Pool;

const command = async (script: string, args: string[]) => {
  const p = runTs(`services/analytics/src/cli/${script}.ts`, env, args);
  const code = await p.exited;
  return { code, out: p.out(), err: p.err() };
};

const count = async (where = 'true') =>
  Number((await root.query<{ n: string }>(`select count(*) as n from user_activity_logs where ${where}`)).rows[0]?.n);

beforeAll(async () => {
  database = await openAnalyticsDatabase(env as { DATABASE_URL: string; DATABASE_OWNER_URL: string }, logger);
  root = adminPool(env.DATABASE_URL as string);
  await createPartitions(database, [old, new Date()], logger);
  await root.query(
    `insert into user_activity_logs (event_id, user_id, session_id, action_type, movie_id, ip_address, metadata, occurred_at)
     select gen_random_uuid(), case when i % 2 = 0 then $1::uuid else $2::uuid end, 's-' || i, 'movie_view', i % 7 + 1,
            '203.0.113.0/24', jsonb_build_object('n', i, 'note', 'line
break, "quoted"'), $3::timestamptz + (i || ' minutes')::interval
       from generate_series(1, 1200) as i`,
    [erased, kept, old.toISOString()],
  );
});
afterAll(async () => {
  await root?.end();
  await database?.close();
  await dropDatabase(env.DATABASE_URL as string);
});

describe('archive and restore', () => {
  it('when a partition is older than the retention, then archive exports it with a manifest and drops it', async () => {
    const res = await command('archive', []);
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(archiveDir, `${oldName}.manifest.json`), 'utf8'));
    const file = await readFile(path.join(archiveDir, `${oldName}.ndjson.gz`));
    expect(manifest).toMatchObject({ partition: oldName, rows: 1200, format: 'ndjson+gzip' });
    expect(manifest.sha256).toBe(createHash('sha256').update(file).digest('hex'));
    expect(gunzipSync(file).toString('utf8').trim().split('\n')).toHaveLength(1200);
    const tables = await database.pool.query('select 1 from pg_class where relname = $1', [oldName]);
    expect(tables.rows).toEqual([]);
    expect(await count()).toBe(0);
  });

  it('when an archived partition is restored, then its rows return, anonymised for users erased since', async () => {
    await root.query('insert into erased_users (user_id) values ($1)', [erased]);
    const res = await command('restore', ['--partition', oldName]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toEqual({ partition: oldName, rows: 1200 });
    expect(await count()).toBe(1200);
    expect(await count(`user_id = '${kept}'`)).toBe(600);
    expect(await count('user_id is null and session_id is null and ip_address is null')).toBe(600);
    const [row] = (await root.query(`select metadata from user_activity_logs where metadata->>'n' = '7'`)).rows as {
      metadata: unknown;
    }[];
    expect(row?.metadata).toEqual({ n: 7, note: 'line\nbreak, "quoted"' });
  });

  it('when an archive file was altered, then restore refuses it naming the checksum', async () => {
    await command('archive', ['--partition', oldName]);
    const file = path.join(archiveDir, `${oldName}.ndjson.gz`);
    const lines = gunzipSync(await readFile(file))
      .toString('utf8')
      .trim()
      .split('\n');
    await writeFile(file, gzipSync(`${lines.slice(1).join('\n')}\n`));
    const res = await command('restore', ['--partition', oldName]);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^analytics restore: .*sha256 [0-9a-f]{64} does not match the manifest's [0-9a-f]{64}\n$/);
  });

  it('when recompute finds the day consistent or an argument is missing, then it says so in one line', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const ok = await command('recompute', ['--date', today]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual({ date: today, rowsChecked: 0, differences: [] });
    const missing = await command('recompute', []);
    expect(missing.code).toBe(64);
    expect(missing.err).toBe(
      'analytics recompute: --date is required\nusage: analytics recompute [--date <YYYY-MM-DD>]\n',
    );
    const archived = await command('recompute', ['--date', old.toISOString().slice(0, 10)]);
    expect(archived.code).toBe(1);
    expect(archived.err).toContain(`partition ${oldName} is not attached`);
  });
});
