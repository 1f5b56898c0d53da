import { createLogger } from '@marquee/platform-logging';
import { messageOf, unreachableHint } from './unreachable';

/**
 * main.ts's end for a service that could not start (a server down, a port taken): one line on stderr saying why
 * and, for a server that did not answer, which variable points there; exit 1. Any other failure also logs its
 * stack at error first, since it is a defect to read rather than a setting to fix.
 */
export function cannotStart(name: string, config: Record<string, unknown>): (err: unknown) => never {
  return (err) => {
    const hint = unreachableHint(err, config);
    if (!hint) createLogger(name, 'error', process.stderr).error({ err }, 'start failed');
    process.stderr.write(`${name}: cannot start: ${messageOf(err)}${hint}\n`);
    process.exit(1);
  };
}
