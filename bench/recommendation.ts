// `pnpm bench recommendation [volume fraction]`: training, serving, freshness and the content model's fold-in (see
// services/recommendation/bench).
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { type BenchPart, runRecommendationBench } from '../services/recommendation/bench/recommendation-bench';
import { loadMeasure, machineDescription, writeResult } from './machine';

const fraction = Number(process.argv[3] ?? 1);
// BENCH_PARTS=freshness (or serving, training, fold-in, comma-separated) runs only those parts, for a quick iteration.
const ALL_PARTS: BenchPart[] = ['training', 'serving', 'freshness', 'fold-in'];
const parts = new Set((process.env.BENCH_PARTS || ALL_PARTS.join(',')).split(',') as BenchPart[]);
const loadBefore = os.loadavg()[0] as number;
const { table, measures } = await runRecommendationBench(fraction, parts);
// The JSON twin carries the machine's load too (the Markdown has it in its header): 2 shared cores.
measures.push(
  loadMeasure('at start', Number(loadBefore.toFixed(1))),
  loadMeasure('at end', Number((os.loadavg()[0] as number).toFixed(1))),
);
const summary = measures.map(
  (m) =>
    `- ${m.name}: ${m.value} ${m.unit}${m.met === null ? '' : ` (target ${m.target}: ${m.met ? 'met' : 'NOT met'})`}`,
);
const body = `${table}\n\nTargets:\n${summary.join('\n')}`;
process.stdout.write(`${body}\n`);
// A run of some parts only gets its own file (recommendation-training-<date>.md), never overwriting a whole run.
const all = ALL_PARTS.every((p) => parts.has(p));
const file = writeResult(all ? 'recommendation' : `recommendation-${[...parts].join('-')}`, body);
// Each measure carries the machine and the date too, as the other JSON twins do.
const machine = machineDescription();
const date = new Date().toISOString();
writeFileSync(
  file.replace(/\.md$/, '.json'),
  `${JSON.stringify(
    measures.map((m) => ({ ...m, machine, date })),
    null,
    2,
  )}\n`,
);
process.stdout.write(`written to ${file}\n`);
