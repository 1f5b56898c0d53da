import type pg from 'pg';

// The platform's one policy for user-owned tables (docs/database-roles.md), for a column.
const rule = (column: string) =>
  `current_setting('marquee.all_users', true) = 'on' or "${column}"::text = current_setting('marquee.user_id', true)`;

interface PolicyRow {
  policyname: string;
  permissive: string;
  roles: string;
  cmd: string;
  qual: string | null;
  with_check: string | null;
}

/** How PostgreSQL prints the policy for a column: made on a throwaway temp table, then read back. */
async function referencePolicy(client: pg.PoolClient, column: string): Promise<PolicyRow> {
  await client.query('begin');
  try {
    await client.query(`create temp table marquee_rls_reference ("${column}" uuid) on commit drop`);
    await client.query(
      `create policy reference on marquee_rls_reference using (${rule(column)}) with check (${rule(column)})`,
    );
    const { rows } = await client.query<PolicyRow>(
      `select policyname, permissive, array_to_string(roles, ',') as roles, cmd, qual, with_check from pg_policies where tablename = 'marquee_rls_reference' and schemaname like 'pg_temp%'`,
    );
    return rows[0] as PolicyRow;
  } finally {
    await client.query('rollback');
  }
}

/**
 * What is wrong with row-level security in the database of a superuser pool: every table with a
 * `user_id` column, and each table named in `extra` (`{ users: 'id' }`), must have it enabled and
 * forced with exactly the platform's one policy. Returns one line per problem; empty when all holds.
 */
export async function rowSecurityProblems(pool: pg.Pool, extra: Record<string, string> = {}): Promise<string[]> {
  const { rows: found } = await pool.query<{ table: string }>(
    `select c.relname as table from pg_class c join pg_attribute a on a.attrelid = c.oid
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition
        and a.attname = 'user_id' and not a.attisdropped`,
  );
  const tables: Record<string, string> = { ...Object.fromEntries(found.map((r) => [r.table, 'user_id'])), ...extra };
  const problems: string[] = [];
  const client = await pool.connect();
  try {
    for (const [table, column] of Object.entries(tables).sort()) {
      const { rows } = await client.query<{ relrowsecurity: boolean; relforcerowsecurity: boolean }>(
        `select relrowsecurity, relforcerowsecurity from pg_class where oid = to_regclass($1)`,
        [`public."${table}"`],
      );
      const state = rows[0];
      if (!state) {
        problems.push(`${table}: no such table`);
        continue;
      }
      if (!state.relrowsecurity) problems.push(`${table}: row level security is not enabled`);
      if (!state.relforcerowsecurity) problems.push(`${table}: row level security is not forced`);
      const { rows: policies } = await client.query<PolicyRow>(
        `select policyname, permissive, array_to_string(roles, ',') as roles, cmd, qual, with_check from pg_policies where schemaname = 'public' and tablename = $1`,
        [table],
      );
      const want = await referencePolicy(client, column);
      const same = (p: PolicyRow) =>
        p.permissive === 'PERMISSIVE' &&
        p.cmd === 'ALL' &&
        p.roles === 'public' &&
        p.qual === want.qual &&
        p.with_check === want.with_check;
      if (policies.length !== 1 || !same(policies[0] as PolicyRow)) {
        problems.push(
          `${table}: wants exactly one policy FOR ALL TO public USING/WITH CHECK ${want.qual}; has ${JSON.stringify(policies.map((p) => ({ name: p.policyname, cmd: p.cmd, roles: p.roles, qual: p.qual, withCheck: p.with_check })))}`,
        );
      }
    }
  } finally {
    client.release();
  }
  return problems;
}
