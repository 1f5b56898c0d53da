import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import { openServiceDatabase, type ServiceConfig } from '@marquee/platform-service';

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** The database alone, prepared by its owner (created, granted, migrated) and opened as the application role: what the CLIs run on. */
export function openCatalogDatabase(
  config: Pick<ServiceConfig, 'DATABASE_URL' | 'DATABASE_OWNER_URL' | 'NODE_ENV'>,
  name: string,
  logger: Logger,
): Promise<Database> {
  return openServiceDatabase(name, config, { migrationsFolder, logger, max: 4 });
}
