// `pnpm bench notification`: a weekly digest run for 100,000 users into a local SMTP server beside raw nodemailer.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { runDigestBench } from '../services/notification/bench/digest-bench';
import { writeResult } from './machine';

const r = await runDigestBench();
const ratio = r.digestPerSecond / r.rawPerSecond;
const growth = r.rssAtEndMiB - r.rssAfterFirstPhaseMiB;
const table = [
  `Digest run for ${r.users.toLocaleString('en')} users into a loopback SMTP server (smtp-server), 5 pooled SMTP connections on both sides.`,
  `Raw and digest phases alternate (${r.phases} each, a tenth of the users per digest phase); each rate sums its own phases.`,
  ...(r.users === 100_000 ? [] : [`BENCH_USERS=${r.users} was set for this run (the default is 100,000).`]),
  `Load average (5 min) at the end: ${os.loadavg()[1]?.toFixed(1)} on ${os.cpus().length} cores.`,
  'Each digest: claim row + pending log, auth.contact over NATS (the recipients of a delivery round in requests of up to 100), recommendation.for-users over NATS (the same round in requests of up to 100), render (HTML + text), SMTP, log delivered + 2 outbox events.',
  "Auth and recommendation are NATS stand-ins in this process (same subjects and reply shapes, fixed answers), not the real services: the figure is notification's own cost.",
  '',
  '| measure | value | target |',
  '| --- | --- | --- |',
  `| raw nodemailer send rate (same message, same server) | ${r.rawPerSecond.toFixed(0)} msg/s | ceiling |`,
  `| digest run | ${r.digestPerSecond.toFixed(0)} msg/s (${r.seconds.toFixed(1)} s) | |`,
  `| digest / raw | ${(ratio * 100).toFixed(0)}% | ≥ 50% |`,
  `| peak RSS of the process (service + SMTP server + stand-ins) | ${r.peakRssMiB} MiB | bounded |`,
  `| RSS after the first phase (10% of users) → at the end | ${r.rssAfterFirstPhaseMiB} → ${r.rssAtEndMiB} MiB (${growth >= 0 ? '+' : ''}${growth} MiB) | no growth with users |`,
].join('\n');
process.stdout.write(`${table}\n`);
const md = writeResult('notification', table);
const json = [
  { name: 'raw nodemailer send rate', value: Math.round(r.rawPerSecond), unit: 'msg/s', target: 'ceiling', met: true },
  {
    name: 'digest run rate',
    value: Math.round(r.digestPerSecond),
    unit: 'msg/s',
    target: '>= 50% of raw',
    met: ratio >= 0.5,
  },
  { name: 'digest / raw', value: Number(ratio.toFixed(3)), unit: 'ratio', target: '>= 0.5', met: ratio >= 0.5 },
  { name: 'peak RSS', value: r.peakRssMiB, unit: 'MiB', target: 'bounded', met: true },
  {
    name: 'RSS growth from 10% to 100% of users',
    value: growth,
    unit: 'MiB',
    target: '< 25% of RSS after the first phase',
    met: growth < r.rssAfterFirstPhaseMiB * 0.25,
  },
];
writeFileSync(md.replace(/\.md$/, '.json'), `${JSON.stringify(json, null, 2)}\n`);
process.stdout.write(`written to ${md} and .json\n`);
