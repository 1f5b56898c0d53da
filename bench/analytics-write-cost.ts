// `pnpm bench analytics-write-cost`: PostgreSQL backend CPU, WAL and Node CPU per consumed event of the analytics
// ingest for issue 11's stream. See services/analytics/bench/write-cost-bench.ts.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { benchWriteCost } from '../services/analytics/bench/write-cost-bench';
import { writeResult } from './machine';

const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const opts = {
  prefill: Number(process.env.BENCH_ROWS ?? 500_000),
  events: Number(process.env.BENCH_EVENTS ?? 2000),
  chunk: Number(process.env.BENCH_CHUNK ?? 30),
  monthsBack: 12,
};
const loadBefore = os.loadavg()[0] as number;
const say = (line: string) => process.stderr.write(`${line}\n`);
say(`analytics write cost: ${opts.events} of each event in chunks of ${opts.chunk}, over ${opts.prefill} log rows`);
const costs = await benchWriteCost(adminUrl, opts, say);
const loadAfter = os.loadavg()[0] as number;

const perInteraction = costs.reduce((s, c) => s + c.pgCpuUs, 0);
const table = [
  `load average (1 min) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${os.cpus().length} cores`,
  '',
  `${opts.events} events of each kind written as the analytics consumer writes them (its statement, as the application role, one transaction per chunk of ${opts.chunk} events: about what a partition's batch holds at 1,000 interactions/s) into a log of ${opts.prefill} rows with ${opts.monthsBack + 4} monthly partitions. PostgreSQL CPU is the writing backend's (from /proc), WAL the LSN's advance, Node the bench process (stringify and driver).`,
  '',
  '| event | rows each | PostgreSQL CPU µs/event | WAL bytes/event | Node CPU µs/event | ms per chunk (the fold: per run) |',
  '|---|---|---|---|---|---|',
  ...costs.map(
    (c) =>
      `| ${c.event} | ${c.rows / Math.max(1, c.events)} | ${Math.round(c.pgCpuUs)} | ${Math.round(c.walBytes)} | ${Math.round(c.nodeCpuUs)} | ${c.msPerChunk.toFixed(1)} |`,
  ),
  '',
  `PostgreSQL CPU per interaction (one of each, and its list's share of the fold): ${Math.round(perInteraction)} µs.`,
].join('\n');
process.stdout.write(`${table}\n`);
const md = writeResult('analytics-write-cost', table);
const results = [
  ...costs.flatMap((c) => [
    { name: `PostgreSQL CPU per ${c.event}`, value: Math.round(c.pgCpuUs), unit: 'µs', target: '–', met: null },
    { name: `WAL per ${c.event}`, value: Math.round(c.walBytes), unit: 'bytes', target: '–', met: null },
    { name: `Node CPU per ${c.event}`, value: Math.round(c.nodeCpuUs), unit: 'µs', target: '–', met: null },
  ]),
  { name: 'PostgreSQL CPU per interaction', value: Math.round(perInteraction), unit: 'µs', target: '–', met: null },
  { name: 'load average (1 min) before', value: loadBefore, unit: 'load', target: '–', met: null },
  { name: 'load average (1 min) after', value: loadAfter, unit: 'load', target: '–', met: null },
];
writeFileSync(md.replace(/\.md$/, '.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`written to ${md} and its .json\n`);
process.exit(0);
