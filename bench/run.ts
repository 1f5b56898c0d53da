// `pnpm bench <name>` runs bench/<name>.ts; with no name it lists the benchmarks.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'machine.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: pnpm bench <name>\navailable: ${available.join(', ')}\n`);
  process.exit(name ? 2 : 0);
}
await import(pathToFileURL(path.join(here, `${name}.ts`)).href);
