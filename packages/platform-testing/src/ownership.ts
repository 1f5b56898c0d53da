/**
 * Which test containers belong to a live process: every container is labelled `marquee.test=1`,
 * `marquee.test.run=<run id>`, `marquee.test.service` and `marquee.test.owner=<hostname>:<pid>:<process start>`,
 * so that a sweep removes only containers whose owning process is gone (parallel runs on one engine leave
 * each other alone).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dockerode } from './docker';

export const TEST_LABEL = 'marquee.test';
export const RUN_LABEL = 'marquee.test.run';
const SERVICE_LABEL = 'marquee.test.service';
const OWNER_LABEL = 'marquee.test.owner';
const STARTED_LABEL = 'marquee.test.started';

/** Linux process start time (clock ticks since boot): with the pid, it names a process uniquely. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; fields after the ")" of the command name are space separated.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function ownerId(pid = process.pid): string {
  return `${os.hostname()}:${pid}:${processStart(pid) ?? '?'}`;
}

/** False only when the owner ran on this host and that process is gone. */
export function ownerAlive(owner: string | undefined): boolean {
  if (!owner) return false;
  const [host, pidText, start] = owner.split(':');
  if (host !== os.hostname()) return true; // another machine's run on a shared engine: not ours to judge
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start === '?' || start === undefined) return true;
  return processStart(pid) === start; // a recycled pid has another start time
}

/**
 * Removes containers labelled `marquee.test=1` whose owning test process has died (crashed runs,
 * killed workers), and any older than `maxAgeMs` (default 6 h). Never reuses them.
 * Returns the names it removed.
 */
export async function sweepLeftoverContainers(opts: { maxAgeMs?: number } = {}): Promise<string[]> {
  const maxAgeMs = opts.maxAgeMs ?? 6 * 3600_000;
  const docker = await dockerode();
  const list = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=1`] } });
  const removed: string[] = [];
  for (const c of list) {
    const labels = c.Labels ?? {};
    const started = Number(labels[STARTED_LABEL] ?? c.Created * 1000);
    const stale = Date.now() - started > maxAgeMs;
    if (ownerAlive(labels[OWNER_LABEL]) && !stale) continue;
    try {
      await docker.getContainer(c.Id).remove({ force: true, v: true });
      removed.push(c.Names?.[0]?.replace(/^\//, '') ?? c.Id);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }
  return removed;
}

/** The labels of a container this process starts for a run. */
export function ownerLabels(runId: string, service: string, startedAt: string): Record<string, string> {
  return {
    [TEST_LABEL]: '1',
    [RUN_LABEL]: runId,
    [SERVICE_LABEL]: service,
    [OWNER_LABEL]: ownerId(),
    [STARTED_LABEL]: startedAt,
  };
}

/** Names of the labelled containers that exist now (any state), optionally of one run. */
export async function listTestContainers(runId?: string): Promise<string[]> {
  const docker = await dockerode();
  const label = runId ? [`${TEST_LABEL}=1`, `${RUN_LABEL}=${runId}`] : [`${TEST_LABEL}=1`];
  const list = await docker.listContainers({ all: true, filters: { label } });
  return list.map((c) => c.Names?.[0]?.replace(/^\//, '') ?? c.Id);
}
