// `pnpm bench catalog`: search/list latency at 10k and 50k movies and cached detail throughput (see services/catalog/bench).
import { runCatalogBench } from '../services/catalog/bench/catalog-bench';
import { writeResult } from './machine';

const table = await runCatalogBench();
process.stdout.write(`${table}\n`);
process.stdout.write(`written to ${writeResult('catalog', table)}\n`);
