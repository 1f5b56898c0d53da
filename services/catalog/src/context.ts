import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import type { Registry } from '@marquee/platform-metrics';
import type { CatalogCache } from './cache/catalog-cache';

/** What routes, jobs and consumers of the catalog share. */
export interface CatalogContext {
  database: Database;
  cache: CatalogCache;
  logger: Logger;
  /** The service's one registry, served at /metrics. */
  metrics: Registry;
}
