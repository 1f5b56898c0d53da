import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import { createPartitions, listPartitions } from '../db/partitions';
import { addMonths, isoDate, monthOfPartition, retentionCutoff } from '../domain/months';

const COLUMNS = [
  'event_id',
  'event_seq',
  'user_id',
  'session_id',
  'action_type',
  'movie_id',
  'ip_address',
  'user_agent',
  'referer',
  'source',
  'metadata',
  'occurred_at',
] as const;
const PAGE = 5000;

export interface ArchiveManifest {
  partition: string;
  from: string;
  to: string;
  rows: number;
  file: string;
  sha256: string;
  format: 'ndjson+gzip';
  columns: readonly string[];
  archivedAt: string;
}

const fileOf = (dir: string, name: string) => path.join(dir, `${name}.ndjson.gz`);
const manifestOf = (dir: string, name: string) => path.join(dir, `${name}.manifest.json`);

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const _ of createInterface({ input: createReadStream(file).pipe(createGunzip()) })) n += 1;
  return n;
}

/** Pages of a detached partition in key order, as NDJSON lines (the table's own columns, values as stored). */
async function* partitionLines(database: Database, name: string): AsyncGenerator<string> {
  let after: [string, string, number] | undefined;
  for (;;) {
    const { rows } = await database.pool.query<Record<string, unknown>>(
      `select ${COLUMNS.join(', ')} from "${name}"
        ${after ? 'where (occurred_at, event_id, event_seq) > ($1::timestamptz, $2::uuid, $3::int2)' : ''}
        order by occurred_at, event_id, event_seq limit ${PAGE}`,
      after ?? [],
    );
    for (const r of rows) yield `${JSON.stringify({ ...r, occurred_at: (r.occurred_at as Date).toISOString() })}\n`;
    const last = rows[rows.length - 1];
    if (!last || rows.length < PAGE) return;
    after = [(last.occurred_at as Date).toISOString(), last.event_id as string, last.event_seq as number];
  }
}

/**
 * Archives one monthly partition: detach it, export its rows to <dir>/<name>.ndjson.gz with a manifest
 * (row count, sha256), re-read the file to check both, and only then drop the table. A crash part-way
 * leaves the detached table in place, and the next run picks it up (see archiveOldPartitions).
 */
export async function archivePartition(
  database: Database,
  dir: string,
  name: string,
  logger: Logger,
): Promise<ArchiveManifest> {
  const month = monthOfPartition(name);
  if (!month) throw new Error(`${name} is not a monthly partition of user_activity_logs`);
  const attached = (await listPartitions(database)).some((p) => p.name === name);
  if (attached) await database.pool.query(`alter table user_activity_logs detach partition "${name}"`);
  await mkdir(dir, { recursive: true });
  const file = fileOf(dir, name);
  const partial = `${file}.partial`;
  await pipeline(partitionLines(database, name), createGzip(), createWriteStream(partial));
  const { rows } = await database.pool.query<{ n: string }>(`select count(*) as n from "${name}"`);
  const expected = Number(rows[0]?.n);
  const written = await countLines(partial);
  if (written !== expected)
    throw new Error(`${name}: wrote ${written} rows but the table has ${expected}; not dropped`);
  await rename(partial, file);
  const manifest: ArchiveManifest = {
    partition: name,
    from: `${isoDate(month)}T00:00:00Z`,
    to: `${isoDate(addMonths(month, 1))}T00:00:00Z`,
    rows: expected,
    file: path.basename(file),
    sha256: await sha256Of(file),
    format: 'ndjson+gzip',
    columns: COLUMNS,
    archivedAt: new Date().toISOString(),
  };
  await writeFile(manifestOf(dir, name), `${JSON.stringify(manifest, null, 2)}\n`);
  await database.pool.query(
    `insert into archived_partitions (partition, month, file, rows, sha256) values ($1, $2, $3, $4, $5)
     on conflict (partition) do update set file = excluded.file, rows = excluded.rows, sha256 = excluded.sha256,
       archived_at = now(), restored_at = null`,
    [name, isoDate(month), manifest.file, manifest.rows, manifest.sha256],
  );
  await database.pool.query(`drop table "${name}"`);
  logger.info({ partition: name, rows: expected, file }, 'activity partition archived');
  return manifest;
}

/** Tables left detached by an interrupted archive. */
async function detachedPartitions(database: Database): Promise<string[]> {
  const { rows } = await database.pool.query<{ name: string }>(
    `select relname as name from pg_class
      where relnamespace = 'public'::regnamespace and relkind = 'r' and not relispartition
        and relname ~ '^user_activity_logs_p[0-9]{4}_[0-9]{2}$' order by relname`,
  );
  return rows.map((r) => r.name);
}

/** Archives every partition older than the retention (restored ones stay until archived by hand). */
export async function archiveOldPartitions(
  database: Database,
  opts: { dir: string; retentionMonths: number; now?: Date },
  logger: Logger,
): Promise<ArchiveManifest[]> {
  const cutoff = retentionCutoff(opts.now ?? new Date(), opts.retentionMonths);
  const { rows } = await database.pool.query<{ partition: string }>(
    'select partition from archived_partitions where restored_at is not null',
  );
  const restored = new Set(rows.map((r) => r.partition));
  const old = (await listPartitions(database))
    .filter((p) => p.month < cutoff && !restored.has(p.name))
    .map((p) => p.name);
  const done: ArchiveManifest[] = [];
  for (const name of [...(await detachedPartitions(database)), ...old]) {
    done.push(await archivePartition(database, opts.dir, name, logger));
  }
  return done;
}

/**
 * Restores an archived partition: checks the file against its manifest, recreates the month's partition
 * and inserts the rows through the parent; rows of users erased (or movies deleted) since the archive come back without them.
 */
export async function restorePartition(database: Database, dir: string, name: string, logger: Logger): Promise<number> {
  if (!monthOfPartition(name)) throw new Error(`${name} is not a monthly partition of user_activity_logs`);
  const manifest = JSON.parse(await readFile(manifestOf(dir, name), 'utf8')) as ArchiveManifest;
  const file = path.join(dir, manifest.file);
  const actual = await sha256Of(file);
  if (actual !== manifest.sha256)
    throw new Error(`${file}: sha256 ${actual} does not match the manifest's ${manifest.sha256}`);
  await createPartitions(database, [monthOfPartition(name) as Date], logger);
  const { rows: present } = await database.pool.query<{ n: string }>(`select count(*) as n from "${name}"`);
  if (Number(present[0]?.n) > 0) throw new Error(`${name} already holds rows; restore only into an empty month`);
  let restored = 0;
  let batch: Record<string, unknown>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await insertRestored(database, batch);
    restored += batch.length;
    batch = [];
  };
  for await (const line of createInterface({ input: createReadStream(file).pipe(createGunzip()) })) {
    if (line) batch.push(JSON.parse(line) as Record<string, unknown>);
    if (batch.length >= PAGE) await flush();
  }
  await flush();
  if (restored !== manifest.rows) throw new Error(`${name}: restored ${restored} rows, manifest says ${manifest.rows}`);
  await database.pool.query('update archived_partitions set restored_at = now() where partition = $1', [name]);
  logger.info({ partition: name, rows: restored }, 'activity partition restored');
  return restored;
}

async function insertRestored(database: Database, rows: Record<string, unknown>[]): Promise<void> {
  const col = (c: (typeof COLUMNS)[number]) => rows.map((r) => (c === 'metadata' ? JSON.stringify(r[c]) : r[c]));
  const client = await database.pool.connect();
  try {
    await client.query('begin');
    await client.query(`select set_config('marquee.all_users', 'on', true)`);
    await client.query(
      `insert into user_activity_logs (${COLUMNS.join(', ')})
       select v.event_id, v.event_seq, case when e.user_id is null then v.user_id end,
              case when e.user_id is null then v.session_id end, v.action_type,
              case when m.movie_id is null then v.movie_id end,
              case when e.user_id is null then v.ip_address end, case when e.user_id is null then v.user_agent end,
              case when e.user_id is null then v.referer end, v.source, v.metadata, v.occurred_at
         from unnest($1::uuid[], $2::int2[], $3::uuid[], $4::text[], $5::text[], $6::int4[], $7::text[], $8::text[],
                     $9::text[], $10::text[], $11::jsonb[], $12::timestamptz[])
              as v(event_id, event_seq, user_id, session_id, action_type, movie_id, ip_address, user_agent, referer,
                   source, metadata, occurred_at)
         left join erased_users e on e.user_id = v.user_id
         left join movies m on m.movie_id = v.movie_id and m.deleted
       on conflict do nothing`,
      COLUMNS.map(col),
    );
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
