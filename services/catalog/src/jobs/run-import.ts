import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import { catalogImports } from '../db/schema';
import { hasMovielens, readDataset, resolveDataDir } from './dataset';
import { downloadMovielens } from './download-movielens';
import { type ImportSummary, importCatalog } from './import-catalog';

export interface ImportSettings {
  MARQUEE_DATA_DIR: string;
  CATALOG_IMPORT_BATCH_SIZE: number;
  MOVIELENS_URL: string;
  MOVIELENS_ZIP_SHA256: string;
  CATALOG_DOWNLOAD_DIR: string;
  DATABASE_OWNER_URL?: string;
}

/**
 * Finds the data (configured dir, shared datasets, an earlier download, else a fresh verified download), imports it
 * and records in catalog_imports that an import finished.
 */
export async function runImport(
  database: Database,
  settings: ImportSettings,
  logger: Logger,
  onProgress?: (done: number, total: number) => void,
): Promise<ImportSummary & { dataDir: string }> {
  let dataDir = resolveDataDir(settings.MARQUEE_DATA_DIR);
  if (!hasMovielens(dataDir)) {
    const target = settings.CATALOG_DOWNLOAD_DIR || path.join(tmpdir(), 'marquee-datasets');
    if (!hasMovielens(target)) {
      logger.info(
        { url: settings.MOVIELENS_URL, target, looked: dataDir ?? null },
        'no data directory; downloading MovieLens',
      );
      await downloadMovielens({
        url: settings.MOVIELENS_URL,
        zipSha256: settings.MOVIELENS_ZIP_SHA256,
        targetDir: target,
      }).catch((err: unknown) => {
        // Where the data was looked for first: a mistyped MARQUEE_DATA_DIR is the usual reason for a download.
        const looked = dataDir ? `${dataDir} (MARQUEE_DATA_DIR)` : '../shared/datasets (no MARQUEE_DATA_DIR)';
        (err as Error).message = `no MovieLens data in ${looked} or ${target}, and ${(err as Error).message}`;
        throw err;
      });
    }
    dataDir = target;
  }
  const data = await readDataset(dataDir);
  const summary = await importCatalog(database, data, {
    batchSize: settings.CATALOG_IMPORT_BATCH_SIZE,
    ownerUrl: settings.DATABASE_OWNER_URL || undefined,
    ...(onProgress ? { onProgress } : {}),
  });
  // Written once every batch has committed: the start imports until there is such a row (service.ts).
  await database.db.insert(catalogImports).values({
    movies: summary.movies,
    inserted: summary.inserted,
    updated: summary.updated,
    unchanged: summary.unchanged,
  });
  logger.info({ ...summary, dataDir, withTmdbMetadata: data.tmdb.size > 0 }, 'catalog import finished');
  return { ...summary, dataDir };
}
