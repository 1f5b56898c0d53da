import { loadConfigOrExit } from '@marquee/platform-config';
import { createLogger } from '@marquee/platform-logging';
import { type AuthCoreConfig, authCliSchema } from '../config';
import type { AuthContext } from '../context';
import { openAuthDatabase } from '../db/open-auth-database';

/** Runs a CLI command against the service's database (created and migrated if needed), then closes it. */
export async function runCommand(
  name: string,
  command: (ctx: AuthContext, config: AuthCoreConfig) => Promise<unknown>,
): Promise<void> {
  const config = loadConfigOrExit(`auth ${name}`, authCliSchema);
  const ctx = await openAuthDatabase(config, createLogger(`auth-${name}`, config.LOG_LEVEL));
  let code = 0;
  try {
    const result = await command(ctx, config);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    process.stderr.write(`auth ${name}: ${(err as Error).message}\n`);
    code = 1;
  } finally {
    await ctx.database.close();
  }
  process.exit(code);
}

/** `--name value` flags. */
export function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
