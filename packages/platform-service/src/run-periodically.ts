import type { Logger } from '@marquee/platform-logging';

export interface PeriodicJob {
  /** Stops after the running round (if any) has finished. */
  stop(): Promise<void>;
}

export interface PeriodicOptions {
  /** Run the first round at once (default) or only after the first interval. */
  immediately?: boolean;
  /** Said in the log line of a failed round, after the job's name (default: "retrying at the next interval"). */
  onFailure?: string;
  /** Counts each failed round (a counter on the service's registry, so an operator sees a job that keeps failing). */
  failures?: { inc(): void };
}

/**
 * A service's background job: runs work now and again intervalMs after each round ends, so rounds never overlap
 * and a slow round delays the next instead of queueing ticks behind it. When a round says there is more (returns
 * true), the next starts at once. A failing round is logged with the job's name (and counted, given a counter) and
 * retried at the next interval.
 * Timers never keep the process alive; stop() waits for the running round.
 */
export function runPeriodically(
  name: string,
  intervalMs: number,
  logger: Logger,
  /** Resolves true when there is more to do now (the next round starts at once); anything else waits an interval. */
  work: () => Promise<unknown>,
  options: PeriodicOptions = {},
): PeriodicJob {
  let stopping = false;
  let wake: (() => void) | undefined;
  const pause = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, intervalMs).unref();
    });
  const loop = (async () => {
    if (options.immediately === false) await pause();
    while (!stopping) {
      let more = false;
      try {
        more = (await work()) === true;
      } catch (err) {
        options.failures?.inc();
        logger.error({ err, job: name }, `${name} failed; ${options.onFailure ?? 'retrying at the next interval'}`);
      }
      if (more || stopping) continue;
      await pause();
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
