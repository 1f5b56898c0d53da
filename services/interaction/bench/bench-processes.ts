// Services as their own processes for the ingest bench, with their CPU time read from /proc.
import { processCpuMs } from '../../../bench/machine';
import { generateKeyring } from '@marquee/platform-crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropPrefixedLeftovers } from '@marquee/platform-testing/leftovers';
import { createRunRoles, dropRun, type RunRoles, roleUrl } from '@marquee/platform-testing/run-roles';
import pg from 'pg';
import { runtimeArgs } from '@marquee/platform-runtime';
import { cpuProfileArgs, printProfileSummaries } from '../../../bench/lib/cpu-profile';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const infra = {
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
};
/** The interaction service's comment key ring for a bench run (a fresh key; the bench keeps nothing). */
export const interactionSecrets = () => ({
  INTERACTION_ENCRYPTION_KEYS: generateKeyring('k1'),
  INTERACTION_ENCRYPTION_ACTIVE_KID: 'k1',
});
export const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

let run: { id: string; roles: RunRoles } | undefined;
const leftoverPrefixes: string[] = [];
/** Kafka topics and groups and Redis keys under this prefix (a bench run's) are dropped by stopAll. */
export function dropOnStop(prefix: string): void {
  leftoverPrefixes.push(prefix);
}

/**
 * A service's database as deployed: an owner role runs its migrations, the application role (no superuser,
 * no BYPASSRLS) serves it, so row-level security applies and NODE_ENV=production accepts it. Returns the env
 * pair and the admin URL of the same database (for the bench's own counting).
 */
export async function serviceDatabase(
  service: string,
): Promise<{ env: { DATABASE_URL: string; DATABASE_OWNER_URL: string }; adminUrl: string }> {
  run ??= await (async () => {
    const id = `rbench${Date.now().toString(36)}`;
    return { id, roles: await createRunRoles(adminUrl, id) };
  })();
  const name = `t_${run.id}_${service}`;
  return {
    env: {
      DATABASE_URL: roleUrl(adminUrl, run.roles.app, name),
      DATABASE_OWNER_URL: roleUrl(adminUrl, run.roles.owner, name),
    },
    adminUrl: databaseUrl(name),
  };
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** CPU time (user + system, ms) a process has used so far; 0 once it has gone (its share then stops counting). */
export function cpuMs(pid: number | undefined): number {
  const ms = processCpuMs(pid);
  return pid && Number.isNaN(ms) ? 0 : ms;
}

/** Pids whose command name is one of names (PostgreSQL backends, the Kafka JVM): shared with whatever else runs. */
export function pidsNamed(names: string[]): number[] {
  return readdirSync('/proc').flatMap((d) => {
    if (!/^\d+$/.test(d)) return [];
    try {
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      return names.includes(comm) ? [Number(d)] : [];
    } catch {
      return [];
    }
  });
}

export interface BenchProcess {
  name: string;
  base: string;
  /** Its operations port (OPS_PORT): the gateway's /metrics and readiness are there; other services ignore it. */
  ops: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

const started: BenchProcess[] = [];
const children: ChildProcess[] = [];

/**
 * Services start detached (each leads a session of its own, as ./marquee up starts them with setsid, so the kernel's
 * autogroup scheduling weighs each as a deployed process and a worker's session runs at WORKER_NICE), so a Ctrl-C at
 * the terminal no longer reaches them: the bench stops them, and drops its databases, on a signal, and sends the rest
 * SIGTERM if it exits any other way.
 */
let stopsChildren = false;
function stopChildrenWithBench(): void {
  if (stopsChildren) return;
  stopsChildren = true;
  process.once('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(signal, () => {
      interrupted = signal;
      process.stderr.write(`bench: ${signal}, stopping the services it started\n`);
      void stopAll().finally(() => process.exit(128 + (os.constants.signals[signal] ?? 0)));
    });
}
let interrupted: string | undefined;

/** The signal the bench is stopping on, if it is: what fails after it (its databases are going) is not the bench's failure. */
export const interruptedBy = () => interrupted;

/** Starts a service's main.ts and waits for /health/ready; a failure names the service and its last stderr. */
export async function startService(
  name: string,
  env: Record<string, string>,
  readyTimeoutMs = 300_000,
): Promise<BenchProcess> {
  const port = await freePort();
  // The gateway answers readiness on its operations port only; the other services ignore OPS_PORT.
  const opsPort = await freePort();
  // BENCH_PROFILE=<dir>: a V8 CPU profile per process, in <service> (<service>-api and <service>-worker for a split
  // one); stopAll prints their summaries.
  const role = env.SERVICE_ROLE && env.SERVICE_ROLE !== 'all' ? `-${env.SERVICE_ROLE}` : '';
  const profile = cpuProfileArgs(`${name}${role}`);
  // detached: a session of its own (setsid), see stopChildrenWithBench.
  const child: ChildProcess = spawn(
    process.execPath,
    [...profile, ...runtimeArgs, path.join(repoRoot, `services/${name}/src/main.ts`)],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        ...infra,
        ...env,
        PORT: String(port),
        OPS_PORT: String(opsPort),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    },
  );
  children.push(child);
  stopChildrenWithBench();
  let err = '';
  child.stderr?.on('data', (b) => {
    err = (err + b).slice(-4000);
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  const proc = { name, base, ops: `http://127.0.0.1:${opsPort}`, pid: child.pid, stop };
  started.push(proc);
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${err.slice(-2000)}`);
    const ready = (url: string) =>
      fetch(`${url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
    if ((await ready(base)) || (await ready(`http://127.0.0.1:${opsPort}`))) return proc;
    if (Date.now() > deadline) throw new Error(`${name} not ready in time: ${err.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Stops every service started here, then drops their throwaway databases, the bench's roles, topics and keys. */
export function stopAll(): Promise<void> {
  stopping ??= stopEverything();
  return stopping;
}
let stopping: Promise<void> | undefined;

async function stopEverything(): Promise<void> {
  await Promise.all(started.map((p) => p.stop()));
  printProfileSummaries();
  if (run) await dropRun(adminUrl, run.id);
  for (const prefix of leftoverPrefixes.splice(0)) {
    const problems = await dropPrefixedLeftovers({
      prefix,
      kafkaBrokers: infra.KAFKA_BROKERS.split(','),
      redisUrl: infra.REDIS_URL,
    });
    for (const p of problems) process.stderr.write(`bench: could not drop the run's ${p}\n`);
  }
}

/** One query against a bench database. */
export async function queryOne<T>(url: string, text: string): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows[0] as T;
  } finally {
    await client.end();
  }
}
