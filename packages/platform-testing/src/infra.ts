import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { answers } from './ports';
import type { RunRoles } from './run-roles';

export { answers };

/** Where the test run's PostgreSQL, Kafka, Redis and NATS are. */
export interface TestInfra {
  mode: 'env' | 'local' | 'containers';
  postgresAdminUrl: string;
  kafkaBrokers: string[];
  redisUrl: string;
  natsUrl: string;
  /** Unique per test run, so overlapping runs never share topics, groups or databases. */
  runId: string;
  /** The run's owner and application roles (see run-roles.ts); services under test connect as them. */
  roles: RunRoles;
  /** Container ids by name, in container mode only (for fault tests). */
  containers?: Record<string, { id: string; name: string }>;
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function hostPort(url: string, defaultPort: number): [string, number] {
  const u = new URL(url);
  return [u.hostname, Number(u.port || defaultPort)];
}

const LOCAL = {
  postgresAdminUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: 'redis://127.0.0.1:6379',
  natsUrl: 'nats://127.0.0.1:4222',
  kafkaBrokers: ['127.0.0.1:9092'],
};

/** Infra named entirely by env (DATABASE_ADMIN_URL, KAFKA_BROKERS, REDIS_URL, NATS_URL), or undefined. */
export function infraFromEnv(env = process.env): Omit<TestInfra, 'runId' | 'roles'> | undefined {
  const { DATABASE_ADMIN_URL, KAFKA_BROKERS, REDIS_URL, NATS_URL } = env;
  const given = [DATABASE_ADMIN_URL, KAFKA_BROKERS, REDIS_URL, NATS_URL].filter(Boolean).length;
  if (given === 0) return undefined;
  if (given < 4) {
    throw new Error(
      'Test infra from env needs all of DATABASE_ADMIN_URL, KAFKA_BROKERS, REDIS_URL and NATS_URL ' +
        '(or none of them, with MARQUEE_TEST_INFRA=local|containers)',
    );
  }
  return {
    mode: 'env',
    postgresAdminUrl: DATABASE_ADMIN_URL as string,
    kafkaBrokers: (KAFKA_BROKERS as string).split(','),
    redisUrl: REDIS_URL as string,
    natsUrl: NATS_URL as string,
  };
}

/** Which of the machine's services do not answer; Kafka is started by deploy/local/kafka.sh when needed. */
export async function localInfra(): Promise<Omit<TestInfra, 'runId' | 'roles'>> {
  const missing: string[] = [];
  const checks: [string, string, number][] = [
    ['PostgreSQL', ...hostPort(LOCAL.postgresAdminUrl, 5432)],
    ['Redis', ...hostPort(LOCAL.redisUrl, 6379)],
    ['NATS', ...hostPort(LOCAL.natsUrl, 4222)],
  ];
  for (const [name, host, port] of checks) if (!(await answers(host, port))) missing.push(`${name} on ${host}:${port}`);
  if (missing.length > 0) {
    throw new Error(
      `MARQUEE_TEST_INFRA=local but nothing answers for: ${missing.join(', ')}. ` +
        'Run `bash deploy/local/infra.sh start`, or use MARQUEE_TEST_INFRA=containers.',
    );
  }
  if (!(await answers('127.0.0.1', 9092))) {
    await promisify(execFile)('bash', [path.join(repoRoot, 'deploy/local/kafka.sh'), 'start'], {
      timeout: 180_000,
    });
  }
  return { mode: 'local', ...LOCAL };
}
