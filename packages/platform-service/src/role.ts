import { readdirSync } from 'node:fs';
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
}
