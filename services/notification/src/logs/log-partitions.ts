import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import { sql } from 'drizzle-orm';
import { quarterFromName, quarterOf } from '../domain/quarters';

const day = (d: Date) => d.toISOString().slice(0, 10);

/** Creates the current quarter's partition and `ahead` more; an advisory lock keeps replicas from racing. */
export async function ensurePartitions(database: Database, now: Date, ahead: number): Promise<string[]> {
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('notification_logs.partitions'))`);
    const made: string[] = [];
    for (let i = 0; i <= ahead; i += 1) {
      const q = quarterOf(now, i);
      const exists = await tx.execute(sql`select 1 from pg_class where relname = ${q.name} and relkind = 'r'`);
      if ((exists.rowCount ?? 0) > 0) continue;
      await tx.execute(
        sql.raw(
          `create table "${q.name}" partition of notification_logs for values from ('${day(q.from)}') to ('${day(q.to)}')`,
        ),
      );
      made.push(q.name);
    }
    return made;
  });
}

export interface ArchiveManifest {
  partition: string;
  from: string;
  to: string;
  rows: number;
  file: string;
  sha256: string;
  archivedAt: string;
}

async function* rowsOf(database: Database, table: string): AsyncGenerator<string> {
  let after: { at: string; id: string } | undefined;
  for (;;) {
    const where = after ? sql`where (created_at, id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``;
    const page = await database.db.execute<{ id: string; at: string; row: unknown }>(
      sql`select id, created_at::text as at, row_to_json(t) as row from ${sql.identifier(table)} t ${where}
          order by created_at, id limit 5000`,
    );
    for (const r of page.rows) yield `${JSON.stringify(r.row)}\n`;
    const last = page.rows[page.rows.length - 1];
    if (!last || page.rows.length < 5000) return;
    after = { at: last.at, id: last.id };
  }
}

/**
 * Partitions wholly older than the retention are detached, written to `<dir>/<name>.jsonl.gz` with a
 * manifest (rows, sha256), then dropped. A partition detached by a run that crashed is finished next time.
 */
export async function archiveOldPartitions(
  database: Database,
  now: Date,
  retentionDays: number,
  dir: string,
  logger: Logger,
): Promise<ArchiveManifest[]> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  const tables = await database.db.execute<{ name: string; attached: boolean }>(sql`
    select c.relname as name, exists (select 1 from pg_inherits i where i.inhrelid = c.oid) as attached
    from pg_class c where c.relkind = 'r' and c.relname ~ '^notification_logs_[0-9]{4}_q[1-4]$'`);
  const done: ArchiveManifest[] = [];
  for (const t of tables.rows) {
    const q = quarterFromName(t.name);
    if (!q || q.to > cutoff) continue;
    if (t.attached) await database.db.execute(sql.raw(`alter table notification_logs detach partition "${t.name}"`));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `${t.name}.jsonl.gz`);
    let rows = 0;
    const counted = Readable.from(
      (async function* () {
        for await (const line of rowsOf(database, t.name)) {
          rows += 1;
          yield line;
        }
      })(),
    );
    await pipeline(counted, createGzip(), createWriteStream(`${file}.part`, { mode: 0o600 }));
    await rename(`${file}.part`, file);
    const manifest: ArchiveManifest = {
      partition: t.name,
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      rows,
      file: path.basename(file),
      sha256: createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
      archivedAt: now.toISOString(),
    };
    await writeFile(path.join(dir, `${t.name}.manifest.json`), `${JSON.stringify(manifest, null, 2)}\n`, {
      mode: 0o600,
    });
    await database.db.execute(sql.raw(`drop table "${t.name}"`));
    logger.info({ ...manifest, event: 'log_partition_archived' }, 'notification log partition archived and dropped');
    done.push(manifest);
  }
  return done;
}
