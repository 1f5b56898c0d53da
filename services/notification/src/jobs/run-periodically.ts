import type { Logger } from '@marquee/platform-logging';

export interface PeriodicJob {
  /** Stops after the running round (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * Runs work now and again every intervalMs; when a round says there is more, the next starts at once.
 * A failing round is logged and retried at the next interval.
 */
export function runPeriodically(
  name: string,
  intervalMs: number,
  logger: Logger,
  work: () => Promise<boolean>,
): PeriodicJob {
  let stopping = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopping) {
      let more = false;
      try {
        more = await work();
      } catch (err) {
        logger.error({ err, job: name }, 'job round failed; retrying at the next interval');
      }
      if (more || stopping) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs).unref();
      });
    }
  })();
  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
    },
  };
}
