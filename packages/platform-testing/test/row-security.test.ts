import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../src/isolation';
import { rowSecurityProblems } from '../src/row-security';

const rule = (c: string) =>
  `current_setting('marquee.all_users', true) = 'on' OR ${c}::text = current_setting('marquee.user_id', true)`;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('rls-check');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  for (const table of ['good', 'unforced', 'loose', 'bare']) await pool.query(`create table ${table} (user_id uuid)`);
  await pool.query('create table accounts (id uuid)');
  for (const [table, column] of [
    ['good', 'user_id'],
    ['unforced', 'user_id'],
    ['loose', 'user_id'],
    ['accounts', 'id'],
  ] as const) {
    await pool.query(`alter table ${table} enable row level security`);
    await pool.query(`create policy own on ${table} using (${rule(column)}) with check (${rule(column)})`);
    if (table !== 'unforced') await pool.query(`alter table ${table} force row level security`);
  }
  await pool.query('create policy everyone on loose for select using (true)');
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('rowSecurityProblems', () => {
  it('When tables lack or loosen the platform policy, then each problem is named; a table that has it passes', async () => {
    const problems = await rowSecurityProblems(pool, { accounts: 'id' });
    expect(problems.filter((p) => p.startsWith('good') || p.startsWith('accounts'))).toEqual([]);
    expect(problems).toContain('unforced: row level security is not forced');
    expect(problems).toContain('bare: row level security is not enabled');
    expect(problems).toContain('bare: row level security is not forced');
    expect(problems.some((p) => p.startsWith('loose: wants exactly one policy') && p.includes('everyone'))).toBe(true);
    expect(problems.some((p) => p.startsWith('bare: wants exactly one policy'))).toBe(true);
    expect(problems).toHaveLength(5);
  });
});
