// The whole test suite's wall time in container mode beside local mode, in one run (warm images).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { machineDescription, writeResult } from './machine';

const root = path.resolve(import.meta.dirname, '..');

function runSuite(mode: 'containers' | 'local') {
  const started = Date.now();
  const r = spawnSync('bash', ['./marquee', 'test'], {
    cwd: root,
    env: { ...process.env, MARQUEE_TEST_INFRA: mode },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = (Date.now() - started) / 1000;
  const summary =
    r.stdout
      .trim()
      .split('\n')
      .filter((l) => /^\d+ passed, \d+ failed/.test(l))
      .pop() ?? 'no summary';
  return { mode, seconds, summary, status: r.status };
}

const containers = runSuite('containers');
const local = runSuite('local');
const ratio = containers.seconds / local.seconds;
const lines = [
  'Each run is `./marquee test` (install check, image build check, engine check, then vitest) on warm images.',
  '',
  '| mode | wall time (s) | result | exit |',
  '|---|---|---|---|',
  ...[containers, local].map((r) => `| ${r.mode} | ${r.seconds.toFixed(0)} | ${r.summary} | ${r.status} |`),
  '',
  `container / local wall time: ${ratio.toFixed(2)}x (target ≤ 1.5x): ${ratio <= 1.5 ? 'met' : 'NOT met'}`,
];
process.stdout.write(`${machineDescription()}\n${lines.join('\n')}\n`);
process.stdout.write(`written to ${writeResult('suite', lines.join('\n'))}\n`);
