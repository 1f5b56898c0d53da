import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { dropDatabase, serviceTestEnv } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../src/jobs/dataset';
import { importCatalog } from '../src/jobs/import-catalog';
import { type CatalogUnderTest, startCatalog, writeSampleDataDir } from './helper';

let issuer: TestIssuer;
const env = serviceTestEnv('catalog-import-start');
let dataDir: string;

beforeAll(async () => {
  issuer = await startTestIssuer();
  dataDir = await writeSampleDataDir(25);
});
afterAll(async () => {
  await issuer?.close();
  await dropDatabase(env.DATABASE_URL as string);
});

/** The catalog on the test's database, importing at start (CATALOG_IMPORT_ON_EMPTY) from the 25-movie sample. */
const start = () =>
  startCatalog({
    env,
    jwksUrl: issuer.jwksUrl,
    extraEnv: { CATALOG_IMPORT_ON_EMPTY: 'true', MARQUEE_DATA_DIR: dataDir },
  });

async function counts(svc: CatalogUnderTest): Promise<{ movies: number; imports: number }> {
  const { rows } = await svc.deps.database.db.execute<{ movies: number; imports: number }>(
    sql`select (select count(*) from movies)::int as movies, (select count(*) from catalog_imports)::int as imports`,
  );
  return rows[0] as { movies: number; imports: number };
}

describe('catalog import at start', () => {
  it('When an import was stopped between its batches, then the next start completes it, and a later start imports nothing over an admin deletion', async () => {
    // What a stop during the first start leaves: the first batches committed (10 movies), no finished import.
    const first = await startCatalog({ env, jwksUrl: issuer.jwksUrl });
    try {
      await importCatalog(first.deps.database, await readDataset(await writeSampleDataDir(10)), { batchSize: 5 });
      expect(await counts(first)).toEqual({ movies: 10, imports: 0 });
    } finally {
      await first.close();
    }

    const second = await start();
    try {
      expect(await counts(second)).toEqual({ movies: 25, imports: 1 });
      await second.deps.database.db.execute(sql`delete from movies where id = (select max(id) from movies)`);
    } finally {
      await second.close();
    }

    const third = await start();
    try {
      expect(await counts(third)).toEqual({ movies: 24, imports: 1 });
    } finally {
      await third.close();
    }
  }, 180_000);
});
