// `pnpm bench analytics`: consumer ingest into the partitioned log beside a plain batched insert (the
// ceiling), with the gateway's publisher at the target rate (drops counted), then every report's p99
// over 5 million generated log rows. See services/analytics/bench.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { benchIngest } from '../services/analytics/bench/ingest-bench';
import { benchReports } from '../services/analytics/bench/reports-bench';
import { writeResult } from './machine';

const infra = {
  adminUrl: process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  kafkaBrokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
};
const EVENTS = Number(process.env.BENCH_EVENTS ?? 150_000);
const RATE = Number(process.env.BENCH_RATE ?? 10_000);
const ROWS = Number(process.env.BENCH_ROWS ?? 5_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);

const answers = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url.includes('://') ? url : `tcp://${url}`);
    const s = net.connect({ host: hostname, port: Number(port) }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
const needed = [
  ['PostgreSQL', infra.adminUrl],
  ['Kafka', infra.kafkaBrokers.split(',')[0] as string],
  ['Redis', infra.redisUrl],
  ['NATS', infra.natsUrl],
] as const;
const missing = [];
for (const [name, url] of needed) if (!(await answers(url))) missing.push(name);
if (missing.length > 0) {
  process.stderr.write(
    `analytics bench: ${missing.join(', ')} not answering; start them with deploy/local/infra.sh start\n`,
  );
  process.exit(1);
}

const say = (line: string) => process.stderr.write(`${line}\n`);
say(`ingest: ${EVENTS} activity events at ${RATE}/s through the gateway publisher, then drained by the consumer`);
const ingest = await benchIngest(infra, EVENTS, RATE);
say(`reports: ${ROWS} generated log rows, ${REQUESTS} requests per report`);
const reports = await benchReports(infra, ROWS, REQUESTS, say);

const ratio = ingest.consumerRate / ingest.ceilingRate;
const results = [
  {
    name: 'ingest rate (consumer into partitioned log)',
    value: Math.round(ingest.consumerRate),
    unit: 'events/s',
    target: '>= 10000',
    met: ingest.consumerRate >= 10_000,
  },
  {
    name: 'ingest / plain batched insert (ceiling)',
    value: Math.round(ratio * 1000) / 10,
    unit: '%',
    target: '>= 50',
    met: ratio >= 0.5,
  },
  {
    name: `activity events dropped by the gateway publisher at ${RATE}/s`,
    value: ingest.dropped,
    unit: 'events',
    target: '0',
    met: ingest.dropped === 0,
  },
  ...reports.map((r) => ({
    name: `p99 ${r.report}`,
    value: Math.round(r.p99 * 10) / 10,
    unit: 'ms',
    target: '< 100',
    met: r.p99 < 100,
  })),
];

const table = [
  `load average at the end: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(', ')} (1, 5, 15 min) on ${os.cpus().length} cores`,
  '',
  `ingest: ${ingest.events} activity.logged events (70% movie views over 10k movies, 30% searches, a fifth anonymous), published by the gateway's ActivityPublisher at ${RATE}/s (achieved ${Math.round(ingest.producedRate)}/s), then drained from Kafka by the analytics consumer (3 partitions, up to 2,000 events per statement, metrics upserts included; the consumer's process used ${Math.round(ingest.nodeCpuShare * 100)}% of a core)`,
  `ceiling: the same rows inserted straight into user_activity_logs, 1000 per statement, 3 writers, no metrics`,
  '',
  '| path | events/s |',
  '|---|---|',
  `| plain batched insert into user_activity_logs (ceiling) | ${Math.round(ingest.ceilingRate)} |`,
  `| Kafka → analytics consumer → log + daily metrics | ${Math.round(ingest.consumerRate)} |`,
  '',
  `consumer / ceiling: ${(ratio * 100).toFixed(1)}%; dropped by the gateway publisher: ${ingest.dropped}`,
  '',
  `reports: ${ROWS} log rows over the last 300 days (50k users, 10k movies), daily tables built from them; ${REQUESTS} requests per report through the app (after 10 warm-up), admin token`,
  '',
  '| report | p50 (ms) | p99 (ms) |',
  '|---|---|---|',
  ...reports.map((r) => `| ${r.report} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`),
  '',
  '| measure | value | target | met |',
  '|---|---|---|---|',
  ...results.map((r) => `| ${r.name} | ${r.value} ${r.unit} | ${r.target} | ${r.met ? 'yes' : 'no'} |`),
].join('\n');
process.stdout.write(`${table}\n`);
const md = writeResult('analytics', table);
writeFileSync(md.replace(/\.md$/, '.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`written to ${md} and its .json\n`);
process.exit(0);
