import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations, ensureDatabase, openDatabase } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import type { AuthCoreConfig } from '../config';
import { type AuthContext, createAuthContext } from '../context';
import { ensureSigningKey } from '../keys/signing-keys';

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** The database alone (created and migrated) and the use-case context: what the CLIs need. */
export async function openAuthDatabase(config: AuthCoreConfig, logger: Logger): Promise<AuthContext> {
  await ensureDatabase(config.DATABASE_URL);
  const database = openDatabase(config.DATABASE_URL, { applicationName: 'auth-cli', max: 2 });
  try {
    await applyMigrations(database, migrationsFolder, logger);
    const ctx = await createAuthContext(config, { database, logger });
    await ensureSigningKey(database, ctx.cipher);
    return ctx;
  } catch (err) {
    await database.close();
    throw err;
  }
}
