import { loadConfigOrExit } from '@marquee/platform-config';
import { closeAll, closers } from '@marquee/platform-service';
import { type AuthCoreConfig, authCoreSchema } from '../config';
import type { AuthContext } from '../context';
import { openAuth } from '../service';

/** Runs a CLI command with the service's config and dependencies, then closes them. */
export async function runCommand(name: string, command: (ctx: AuthContext, config: AuthCoreConfig) => Promise<unknown>): Promise<void> {
  const config = loadConfigOrExit(`auth ${name}`, authCoreSchema);
  const { deps, ctx } = await openAuth(config);
  let code = 0;
  try {
    const result = await command(ctx, config);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    process.stderr.write(`auth ${name}: ${(err as Error).message}\n`);
    code = 1;
  } finally {
    await closeAll(closers(deps));
  }
  process.exit(code);
}

/** `--name value` flags. */
export function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
