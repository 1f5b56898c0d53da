import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import { addMonths, isoDate, monthOfPartition, monthStart, partitionName } from '../domain/months';

export interface Partition {
  name: string;
  month: Date;
}

/** Monthly partitions attached to user_activity_logs, oldest first. */
export async function listPartitions(database: Database): Promise<Partition[]> {
  const { rows } = await database.pool.query<{ name: string }>(
    `select c.relname as name from pg_inherits i
       join pg_class c on c.oid = i.inhrelid
       join pg_class p on p.oid = i.inhparent
      where p.relname = 'user_activity_logs' and p.relnamespace = 'public'::regnamespace
      order by c.relname`,
  );
  return rows.flatMap((r) => {
    const month = monthOfPartition(r.name);
    return month ? [{ name: r.name, month }] : [];
  });
}

/**
 * Creates the partitions of these months that do not exist yet. Serialised by an advisory lock, so
 * replicas (and the ingest path racing the maintenance job) never collide on the same name.
 */
export async function createPartitions(database: Database, months: Date[], logger?: Logger): Promise<string[]> {
  const client = await database.pool.connect();
  const created: string[] = [];
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', ['analytics.partitions']);
    const { rows } = await client.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'public.user_activity_logs'::regclass`,
    );
    const existing = new Set(rows.map((r) => r.name));
    for (const m of months) {
      const month = monthStart(m);
      const name = partitionName(month);
      if (existing.has(name)) continue;
      // name and bounds come from monthStart/partitionName, never from input text.
      await client.query(
        `create table if not exists "${name}" partition of user_activity_logs
           for values from ('${isoDate(month)}T00:00:00Z') to ('${isoDate(addMonths(month, 1))}T00:00:00Z')`,
      );
      existing.add(name);
      created.push(name);
    }
  } finally {
    await client.query('select pg_advisory_unlock(hashtext($1))', ['analytics.partitions']).catch(() => {});
    client.release();
  }
  if (created.length > 0) logger?.info({ partitions: created }, 'activity log partitions created');
  return created;
}

/** Remembers which months have a partition so the ingest path asks PostgreSQL only for new months. */
export class PartitionCache {
  private readonly known = new Set<string>();
  private readonly database: Database;
  private readonly logger: Logger;

  constructor(database: Database, logger: Logger) {
    this.database = database;
    this.logger = logger;
  }

  async ensure(instants: Iterable<Date>): Promise<void> {
    // A batch spans a month or two: name each month once, not each row.
    const months = new Map<number, Date>();
    for (const at of instants) months.set(at.getUTCFullYear() * 12 + at.getUTCMonth(), at);
    const missing = new Map<string, Date>();
    for (const at of months.values()) {
      const month = monthStart(at);
      const name = partitionName(month);
      if (!this.known.has(name)) missing.set(name, month);
    }
    if (missing.size === 0) return;
    await createPartitions(this.database, [...missing.values()], this.logger);
    for (const name of missing.keys()) this.known.add(name);
  }
}
