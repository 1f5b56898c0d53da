import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Logger } from '@marquee/platform-logging';
import type { RoleConfig } from './config';

/**
 * Which part of a service a process runs (SERVICE_ROLE): `all` of it, or one of two halves. An `api` process serves
 * requests and runs no consumer or scheduled job; a `worker` runs them and serves only /health and /metrics. Both
 * publish their outbox (the relay takes a lock, one publishes at a time). The split lets a deployment give the
 * derived views (counters, recommendation fold-ins, activity logs) a lower CPU weight than request serving.
 */
export type ServiceRole = RoleConfig['SERVICE_ROLE'];

/** Serves the service's API: routes, request/reply responders. */
export const servesApi = (role: ServiceRole): boolean => role !== 'worker';
/** Runs the service's consumers and scheduled jobs. */
export const runsWork = (role: ServiceRole): boolean => role !== 'api';

/** The role a config asks for; a service without roleConfig always runs whole. */
export function roleOf(config: object): ServiceRole {
  return (config as Partial<RoleConfig>).SERVICE_ROLE ?? 'all';
}

/**
 * Lowers this process's CPU priority to `nice`. Linux keeps a nice value per thread and a thread starts with its
 * creator's, so every thread already running (V8's, libuv's) is lowered too, and those started later inherit it.
 * Lowering needs no privilege; a failure is logged and the process goes on at its priority.
 */
export function lowerOwnPriority(nice: number, logger: Logger): void {
  if (nice <= 0) return;
  let threads: number[] = [];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    // Not Linux: one call sets the process's priority.
  }
  let failed: unknown;
  for (const tid of threads.length > 0 ? threads : [0]) {
    try {
      // setPriority takes a pid; on Linux a thread id names that one thread.
      os.setPriority(tid, Math.max(nice, os.getPriority(tid)));
    } catch (err) {
      failed ??= err;
    }
  }
  if (failed) logger.warn({ err: failed, nice }, 'could not lower the worker process priority; it runs at its own');
  else logger.info({ nice, threads: threads.length || 1 }, 'worker runs at a lower CPU priority');
  if (leadsOwnSession()) lowerOwnAutogroup(nice, logger);
}

const AUTOGROUP = '/proc/self/autogroup';

/** Whether this process leads its session (started with setsid): field 6 of /proc/self/stat is its session id. */
function leadsOwnSession(): boolean {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]) === process.pid;
  } catch {
    return false;
  }
}

/**
 * With the kernel's autogroup scheduling (CONFIG_SCHED_AUTOGROUP, on in Debian's and most distributions' kernels)
 * the CPU is shared between sessions first, and a thread's nice only orders it among its own session's threads.
 * `./marquee up` starts every service in a session of its own (setsid), so a worker at nice 10 still weighed as
 * much as the API it was meant to yield to; its session's (autogroup's) nice is set too. A worker that shares its
 * session (started by a bench or from a terminal) leaves it alone: that would lower everything else in it. The
 * kernel takes one unprivileged autogroup change per 100 ms machine-wide and answers EAGAIN to the rest, so workers
 * starting together retry.
 */
function lowerOwnAutogroup(nice: number, logger: Logger, attempt = 1): void {
  try {
    writeFileSync(AUTOGROUP, String(nice));
    logger.info({ nice }, "worker's session (autogroup) runs at a lower CPU priority");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // A kernel without autogroups: the threads' nice is all there is.
    if (code === 'EAGAIN' && attempt < 20) {
      setTimeout(() => lowerOwnAutogroup(nice, logger, attempt + 1), 150).unref();
      return;
    }
    logger.warn({ err, nice }, "could not lower the worker's session (autogroup) priority; it weighs as any other");
  }
}
