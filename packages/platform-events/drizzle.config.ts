import { defineConfig } from 'drizzle-kit';

// The platform's own tables, migrated for the package's tests and benchmarks; services include
// the same tables in their schema so their migrations carry them.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './migrations',
});
