// `pnpm bench recommendation [volume fraction]`: training, serving and freshness (see services/recommendation/bench).
import { writeFileSync } from 'node:fs';
import { runRecommendationBench } from '../services/recommendation/bench/recommendation-bench';
import { writeResult } from './machine';

const fraction = Number(process.argv[3] ?? 1);
// BENCH_PARTS=freshness (or serving, training, comma-separated) runs only those parts, for a quick iteration.
const parts = new Set(
  (process.env.BENCH_PARTS || 'training,serving,freshness').split(',') as ('training' | 'serving' | 'freshness')[],
);
const { table, measures } = await runRecommendationBench(fraction, parts);
const summary = measures.map(
  (m) =>
    `- ${m.name}: ${m.value} ${m.unit}${m.met === null ? '' : ` (target ${m.target}: ${m.met ? 'met' : 'NOT met'})`}`,
);
const body = `${table}\n\nTargets:\n${summary.join('\n')}`;
process.stdout.write(`${body}\n`);
const file = writeResult('recommendation', body);
writeFileSync(file.replace(/\.md$/, '.json'), `${JSON.stringify(measures, null, 2)}\n`);
process.stdout.write(`written to ${file}\n`);
