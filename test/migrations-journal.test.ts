/**
 * drizzle's migrator applies a migration only when its journal `when` is later than the newest one the database
 * has applied, and only when the journal lists it: a hand-edited or merged journal whose `when` goes back, or a
 * .sql file without an entry, is skipped on every database that is already migrated, without a word.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Journal {
  entries: Array<{ idx: number; when: number; tag: string }>;
}

/** Every migrations folder: services/<name>/src/db/migrations and packages/<name>/migrations. */
const folders = [
  ...readdirSync(path.join(root, 'services')).map((s) => path.join(root, 'services', s, 'src/db/migrations')),
  ...readdirSync(path.join(root, 'packages')).map((p) => path.join(root, 'packages', p, 'migrations')),
].filter((dir) => existsSync(path.join(dir, 'meta/_journal.json')));

/**
 * Landed before this test: interaction's 0005 was written before 0004 and merged after it. Harmless where it was
 * skipped (0007 recreates the one function it replaced); its `when` stays, since changing it would re-apply it on
 * a database whose newest migration is 0005.
 */
const LANDED_OUT_OF_ORDER = new Set(['interaction/0005_record_interactions_per_row']);

describe('migration journals', () => {
  it('When the migration folders are read, then there are some (services and platform-events)', () => {
    expect(folders.length).toBeGreaterThanOrEqual(7);
  });

  it.each(folders.map((dir) => [path.relative(root, dir), dir] as const))(
    'When %s is read, then every .sql file has an entry, in order, each later than all before it',
    (_label, dir) => {
      const journal = JSON.parse(readFileSync(path.join(dir, 'meta/_journal.json'), 'utf8')) as Journal;
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.sql'))
        .map((f) => f.replace(/\.sql$/, ''))
        .sort();
      expect(journal.entries.map((e) => e.tag)).toEqual(files);
      expect(journal.entries.map((e) => e.idx)).toEqual(files.map((_, k) => k));
      const service = dir.split(path.sep).at(dir.includes(`${path.sep}services${path.sep}`) ? -4 : -2);
      let newest = 0;
      for (const e of journal.entries) {
        if (!LANDED_OUT_OF_ORDER.has(`${service}/${e.tag}`))
          expect(e.when, `${e.tag}'s when is not later than an earlier entry's`).toBeGreaterThan(newest);
        newest = Math.max(newest, e.when);
      }
    },
  );
});
