import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { TestInfra } from './infra';
import { roleUrl } from './run-roles';

export function testInfra(): TestInfra {
  return inject('infra');
}

/** A name unique to this test run and call: `<runId>_<label>_<random>`, safe as a database name. */
export function uniqueName(label: string): string {
  const clean = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 20);
  return `${testInfra().runId}_${clean}_${randomBytes(3).toString('hex')}`;
}

/** A topic prefix of its own for one test file or case. */
export function uniqueTopicPrefix(label: string): string {
  return `${uniqueName(label)}.`;
}

/** Creates an empty database for one test file and returns its URL; drop() removes it. */
export async function createTestDatabase(label: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const infra = testInfra();
  const name = `t_${uniqueName(label)}`;
  const admin = new pg.Client({ connectionString: infra.postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(infra.postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: infra.postgresAdminUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Polls until check returns a value other than undefined/false, or fails with what it last saw. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 20_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Env for starting one service under test: its own fresh database (named, created on demand by the
 * service's owner role), served as the run's application role, its own topic prefix, and the run's
 * Kafka, Redis and NATS.
 */
export function serviceTestEnv(label: string): Record<string, string> {
  const infra = testInfra();
  const db = `t_${uniqueName(label)}`;
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    DATABASE_URL: roleUrl(infra.postgresAdminUrl, infra.roles.app, db),
    DATABASE_OWNER_URL: roleUrl(infra.postgresAdminUrl, infra.roles.owner, db),
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: uniqueTopicPrefix(label),
    REDIS_URL: infra.redisUrl,
    NATS_URL: infra.natsUrl,
  };
}

/**
 * A superuser pool on the database that url names: for tests that look at rows as stored, past
 * row-level security (services under test connect as the application role and would see none).
 */
export function adminPool(url: string): pg.Pool {
  const admin = new URL(testInfra().postgresAdminUrl);
  admin.pathname = new URL(url).pathname;
  const pool = new pg.Pool({
    connectionString: admin.toString(),
    max: 2,
    idleTimeoutMillis: 500,
    allowExitOnIdle: true,
  });
  // The database is dropped when its test ends (terminating these connections): not an error of the test.
  pool.on('error', () => {});
  return pool;
}

/** Drops a database a service created for a test (see serviceTestEnv). */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const c = new pg.Client({ connectionString: testInfra().postgresAdminUrl });
  await c.connect();
  try {
    await c.query(`drop database if exists "${name.replaceAll('"', '""')}" with (force)`);
  } finally {
    await c.end();
  }
}
