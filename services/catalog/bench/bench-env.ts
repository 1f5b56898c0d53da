import type { CatalogCache } from '../src/cache/catalog-cache';

export { migrationsFolder } from '../src/db/open-catalog-database';

/** Routes straight to PostgreSQL: the latency measured is the query path, not Redis. */
export const noCache: CatalogCache = {
  get: (_k, load) => load(),
  getSerialized: async (_k, load) => {
    const v = await load();
    return v === null || v === undefined ? null : JSON.stringify(v);
  },
  invalidate: async () => {},
  invalidateSoon: () => {},
  close: async () => {},
};

/** Says in one line what to start when PostgreSQL does not answer, instead of a stack trace. */
export function explainUnreachable(err: unknown, adminUrl: string): never {
  const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') {
    process.stderr.write(
      `PostgreSQL does not answer at ${new URL(adminUrl).host}: start it with deploy/local/infra.sh start\n`,
    );
    process.exit(1);
  }
  throw err;
}
