import type { Logger } from '@marquee/platform-logging';
import type { HttpApp } from './app';

export interface Closer {
  name: string;
  close: () => Promise<unknown>;
}

export interface RunOptions {
  app: HttpApp;
  port: number;
  host: string;
  logger: Logger;
  /** Closed in order after the HTTP server stops taking requests (consumers, relay, then pools). */
  closers: Closer[];
  shutdownTimeoutMs: number;
}

/**
 * Listens, then on SIGTERM/SIGINT stops accepting requests, drains, closes dependencies and exits. An
 * uncaught exception or unhandled rejection is logged (fatal) and closes the same way, exiting 1: the
 * process may be in a state nobody planned for, so it stops rather than serve from it.
 */
export async function runUntilSignalled(opts: RunOptions): Promise<void> {
  const { app, logger } = opts;
  let stopping = false;
  let crashed = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: opts.shutdownTimeoutMs }, 'graceful shutdown timed out; exiting');
      process.exit(1);
    }, opts.shutdownTimeoutMs);
    timer.unref();
    let failed = false;
    try {
      await app.close();
    } catch (err) {
      failed = true;
      logger.error({ err }, 'closing HTTP server failed');
    }
    for (const c of opts.closers) {
      try {
        await c.close();
      } catch (err) {
        failed = true;
        logger.error({ err, dependency: c.name }, 'closing dependency failed');
      }
    }
    logger.info('stopped');
    process.exit(failed || crashed ? 1 : 0);
  };
  const crash = (kind: string) => (err: unknown) => {
    crashed = true;
    logger.fatal({ err, event: kind }, `${kind}; closing and exiting`);
    void stop(kind);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));
  await app.listen({ port: opts.port, host: opts.host });
}
