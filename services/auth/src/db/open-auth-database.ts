import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@marquee/platform-logging';
import { openServiceDatabase } from '@marquee/platform-service';
import type { AuthCoreConfig } from '../config';
import { type AuthContext, createAuthContext } from '../context';
import { ensureSigningKey } from '../keys/signing-keys';

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** The database alone (prepared as owner, opened as the application role) and the use-case context: what the CLIs need. */
export async function openAuthDatabase(config: AuthCoreConfig, logger: Logger): Promise<AuthContext> {
  const database = await openServiceDatabase('auth-cli', config, { migrationsFolder, logger, max: 2 });
  try {
    const ctx = await createAuthContext(config, { database, logger });
    await ensureSigningKey(database, ctx.cipher);
    return ctx;
  } catch (err) {
    await database.close();
    throw err;
  }
}
