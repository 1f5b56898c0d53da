// What `pnpm bench <name>` does before a bench that talks to PostgreSQL, Kafka, Redis or NATS: finds each at the
// URL the bench reads, and when one does not answer, starts what it can with deploy/local/infra.sh (the machine's
// services, or Kafka from its jars) as `./marquee up` would, so a bench starts what it needs; what still does not
// answer is named in one line (which service, which variable, where) instead of a client's retries and stack.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { endpointsOf } from '@marquee/platform-service/unreachable';
import { answers } from '@marquee/platform-testing/ports';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The variables a bench may read, the service each names and its default port. */
const SERVICES = {
  DATABASE_ADMIN_URL: { label: 'PostgreSQL', port: 5432 },
  KAFKA_BROKERS: { label: 'Kafka', port: 9092 },
  REDIS_URL: { label: 'Redis', port: 6379 },
  NATS_URL: { label: 'NATS', port: 4222 },
} as const;
export type InfraVariable = keyof typeof SERVICES;
export const infraVariables = Object.keys(SERVICES) as InfraVariable[];

/** Host and port of the (first) server a variable names; a broker list without a port means Kafka's default. */
export function endpointOf(variable: InfraVariable, value: string): { host: string; port: number } {
  const [first] = endpointsOf(value);
  if (!first) throw new Error(`${variable} names no server: "${value}"`);
  return { host: first.host, port: Number(first.port || SERVICES[variable].port) };
}

async function missing(env: Partial<Record<InfraVariable, string>>): Promise<InfraVariable[]> {
  const used = infraVariables.flatMap((v) => {
    const value = env[v];
    return value === undefined ? [] : [{ v, at: endpointOf(v, value) }];
  });
  const up = await Promise.all(used.map(({ at }) => answers(at.host, at.port, 1500)));
  return used.filter((_, k) => !up[k]).map(({ v }) => v);
}

function runInfraScript(env: Partial<Record<InfraVariable, string>>): Promise<number> {
  return new Promise((resolve) => {
    // Its stdout is the export line for a shell; its stderr says what it found and started, a line each.
    const child = spawn('bash', [path.join(repoRoot, 'deploy/local/infra.sh'), 'start'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', () => resolve(1));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/**
 * Makes sure every service the bench reads answers. Returns null when they do (having started the missing local
 * ones), else the one line that says which do not and what to do.
 */
export async function ensureInfra(
  bench: string,
  env: Partial<Record<InfraVariable, string>>,
  log: (line: string) => void,
): Promise<string | null> {
  const down = await missing(env);
  if (down.length === 0) return null;
  log(
    `bench ${bench}: ${down.map((v) => SERVICES[v].label).join(', ')} not answering; starting what runs here (deploy/local/infra.sh start)`,
  );
  await runInfraScript(env);
  const still = await missing(env);
  if (still.length === 0) return null;
  // The address, not the value: a database URL can carry a password.
  const where = still
    .map((v) => {
      const { host, port } = endpointOf(v, env[v] ?? '');
      return `${SERVICES[v].label} at ${host.includes(':') ? `[${host}]` : host}:${port} (${v})`;
    })
    .join(', ');
  return `${where} ${still.length === 1 ? 'does' : 'do'} not answer: start ${still.length === 1 ? 'it' : 'them'} (deploy/local/infra.sh start does for this machine) or point the variable at one that runs`;
}
