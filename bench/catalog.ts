// `pnpm bench catalog`: search/suggest/list latency at 10k and 50k movies and cached detail throughput (see services/catalog/bench).
import { runCatalogBench } from '../services/catalog/bench/catalog-bench';
import { writeJsonResult, writeResult } from './machine';

const { table, measures } = await runCatalogBench();
process.stdout.write(`${table}\n`);
process.stdout.write(`written to ${writeResult('catalog', table)} and ${writeJsonResult('catalog', measures)}\n`);
