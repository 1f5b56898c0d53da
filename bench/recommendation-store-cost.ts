// `pnpm bench recommendation-store-cost`: PostgreSQL backend CPU, WAL and full-page images per recommendation list
// stored into user_recommendations, the table as migrated beside it before migration 0006. See
// services/recommendation/bench/store-cost-bench.ts.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { benchStoreCost } from '../services/recommendation/bench/store-cost-bench';
import { writeResult } from './machine';

const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const opts = {
  users: Number(process.env.BENCH_USERS ?? 2000),
  rounds: Number(process.env.BENCH_ROUNDS ?? 6),
  churn: Number(process.env.BENCH_CHURN ?? 8),
  batch: Number(process.env.BENCH_BATCH ?? 200),
};
const loadBefore = os.loadavg()[0] as number;
const say = (line: string) => process.stderr.write(`${line}\n`);
say(`recommendation store cost: ${opts.users} lists of 50 a round, ${opts.rounds} rounds, both tables in turn`);
const costs = await benchStoreCost(adminUrl, opts, say);
const loadAfter = os.loadavg()[0] as number;
const [before, after] = costs as [(typeof costs)[0], (typeof costs)[0]];
const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);
const table = [
  `load average (1 min) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${os.cpus().length} cores`,
  '',
  `${opts.users} users' lists of 50 queued and stored as the recommendation service does (each user marked by queueLists, then, in transactions of ${opts.batch} lists as the application role, the markers taken and the lists written as storeWaitingLists does: takeWaiting, then storeLists with the round's lists instead of lists the model computes from the users' feedback, which this bench leaves out), into two databases in turn: user_recommendations as migrated, and as it was before migration 0006 (its (user_id, score desc), generated_at and algorithm indexes, pages filled full). Each round every list moves: ${opts.churn} items leave, ${opts.churn} enter, the other ${50 - opts.churn} move ${opts.churn} ranks (new rank, score and reason: rewritten). The first round only inserts and is not counted; ${opts.rounds} rounds after it are. A CHECKPOINT precedes each round's store (the bench's PostgreSQL checkpoints about every 30 s at 1,000 interactions/s, about the store delay), so each page's first write in a round is a full-page image. PostgreSQL CPU is the storing backend's (from /proc), WAL the LSN's advance and pg_stat_wal (whole cluster: run it on a quiet machine).`,
  '',
  '| user_recommendations | lists stored | PostgreSQL CPU µs/list | WAL bytes/list | WAL records/list | full-page images/list | ms per transaction | updates HOT | table + indexes MB |',
  '|---|---|---|---|---|---|---|---|---|',
  ...costs.map(
    (c) =>
      `| ${c.variant} | ${c.lists} | ${Math.round(c.pgCpuUs)} | ${Math.round(c.walBytes)} | ${c.walRecords.toFixed(1)} | ${c.fullPageImages.toFixed(2)} | ${c.msPerBatch.toFixed(1)} | ${c.hotUpdates} of ${c.updates} | ${(c.tableBytes / 2 ** 20).toFixed(1)} |`,
  ),
  '',
  `Migrated ÷ before: CPU ${ratio(after.pgCpuUs, before.pgCpuUs).toFixed(2)}, WAL bytes ${ratio(after.walBytes, before.walBytes).toFixed(2)}, WAL records ${ratio(after.walRecords, before.walRecords).toFixed(2)}.`,
].join('\n');
process.stdout.write(`${table}\n`);
const md = writeResult('recommendation-store-cost', table);
const results = [
  ...costs.flatMap((c) => [
    {
      name: `PostgreSQL CPU per stored list, ${c.variant}`,
      value: Math.round(c.pgCpuUs),
      unit: 'µs',
      target: null,
      met: null,
    },
    {
      name: `WAL per stored list, ${c.variant}`,
      value: Math.round(c.walBytes),
      unit: 'bytes',
      target: null,
      met: null,
    },
    {
      name: `WAL records per stored list, ${c.variant}`,
      value: Number(c.walRecords.toFixed(1)),
      unit: 'records',
      target: null,
      met: null,
    },
    {
      name: `full-page images per stored list, ${c.variant}`,
      value: Number(c.fullPageImages.toFixed(2)),
      unit: 'images',
      target: null,
      met: null,
    },
    {
      name: `HOT share of updates, ${c.variant}`,
      value: Number(ratio(c.hotUpdates, c.updates).toFixed(3)),
      unit: 'ratio',
      target: null,
      met: null,
    },
    {
      name: `user_recommendations size, ${c.variant}`,
      value: Number((c.tableBytes / 2 ** 20).toFixed(1)),
      unit: 'MB',
      target: null,
      met: null,
    },
  ]),
  {
    name: 'WAL bytes per list, migrated ÷ before',
    value: Number(ratio(after.walBytes, before.walBytes).toFixed(2)),
    unit: 'ratio',
    target: '< 1',
    met: after.walBytes < before.walBytes,
  },
  {
    name: 'PostgreSQL CPU per list, migrated ÷ before',
    value: Number(ratio(after.pgCpuUs, before.pgCpuUs).toFixed(2)),
    unit: 'ratio',
    target: '< 1',
    met: after.pgCpuUs < before.pgCpuUs,
  },
  { name: 'load average (1 min) before', value: loadBefore, unit: 'load', target: null, met: null },
  { name: 'load average (1 min) after', value: loadAfter, unit: 'load', target: null, met: null },
];
writeFileSync(md.replace(/\.md$/, '.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`written to ${md} and its .json\n`);
process.exit(0);
