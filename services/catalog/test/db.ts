import path from 'node:path';
import { applyMigrations, type Database, openDatabase } from '@marquee/platform-db';
import { createTestDatabase } from '@marquee/platform-testing';
import { migrationsFolder } from './helper';

export { dropDatabase, uniqueName } from '@marquee/platform-testing';

/** A fresh, migrated catalog database (for tests of jobs that need no Kafka, Redis or NATS). */
export async function createDatabase(label: string): Promise<{ database: Database; url: string }> {
  const { url } = await createTestDatabase(label);
  const database = openDatabase(url);
  await applyMigrations(database, path.resolve(migrationsFolder));
  return { database, url };
}
