/**
 * Every command a user runs answers --help with its usage and does nothing else (it runs with no environment
 * at all, where any real work would fail), and exits 64 naming an unknown flag. Commands are found, not
 * listed: services/<name>/src/cli/*.ts and packages/<name>/src/commands/*.ts that call runCli, every package
 * script that runs a file there, and every `pnpm bench <name>`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runtimeArgs } from '@marquee/platform-runtime';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const services = readdirSync(path.join(root, 'services'));

const commandsIn = (dir: string, label: (file: string) => string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.ts') && readFileSync(path.join(dir, f), 'utf8').includes('await runCli('))
        .map((f) => ({ label: label(f.replace(/\.ts$/, '')), args: [path.join(dir, f)] }))
    : [];
const commands = [
  ...services.flatMap((service) =>
    commandsIn(path.join(root, 'services', service, 'src/cli'), (f) => `${service} ${f}`),
  ),
  // Platform commands, run from the root (`pnpm dlq-replay`).
  ...readdirSync(path.join(root, 'packages')).flatMap((pkg) =>
    commandsIn(path.join(root, 'packages', pkg, 'src/commands'), (f) => f),
  ),
];

/** `pnpm --filter @marquee/<service> <script>` entries that run a command file. */
const scripts = services.flatMap((service) => {
  const manifest = path.join(root, 'services', service, 'package.json');
  if (!existsSync(manifest)) return [];
  const { scripts: all = {} } = JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: Record<string, string> };
  return Object.entries(all).flatMap(([script, line]) => {
    const file = /\bsrc\/cli\/([\w-]+)\.ts\b/.exec(line)?.[1];
    return file ? [{ script: `${service} ${script}`, command: `${service} ${file}` }] : [];
  });
});

const benches = readdirSync(path.join(root, 'bench'))
  // run.ts dispatches; machine.ts and zipkin.ts are helpers the benches share.
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'machine.ts', 'zipkin.ts'].includes(f))
  .map((f) => ({ label: `bench ${f.replace(/\.ts$/, '')}`, args: ['bench/run.ts', f.replace(/\.ts$/, '')] }));

function run(
  args: string[],
  env: Record<string, string> = {},
  preload: string[] = [],
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...runtimeArgs, ...preload, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    // 'close': after the pipes are read ('exit' may come before the last of the output).
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

/** Client libraries and what opens connections: --help and a usage error must load none of them. */
const HEAVY = /\/node_modules\/(kafkajs|pg|drizzle-orm|fastify|ioredis|nats|@nats-io\/[^/]+|@opentelemetry\/[^/]+)\//;

/** The command run with `args`, and the modules it resolved (test/fixtures/record-loads.mjs). */
async function runRecordingLoads(args: string[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'marquee-loads-'));
  const file = path.join(dir, 'loads.txt');
  try {
    const result = await run(args, { MARQUEE_RECORD_LOADS: file }, [
      '--import',
      path.join(root, 'test/fixtures/record-loads.mjs'),
    ]);
    const loads = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    return { ...result, loads };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('commands', () => {
  it('When the services and benchmarks are read, then their commands are found, and every package script that runs one uses runCli', () => {
    const labels = commands.map((c) => c.label);
    expect(labels).toEqual(
      expect.arrayContaining([
        'auth create-admin',
        'auth reencrypt',
        'auth rotate-signing-key',
        'auth migrate',
        'catalog import',
        'catalog sync',
        'catalog replay-movies',
        'catalog migrate',
        'interaction demo-community',
        'recommendation evaluate',
        'analytics archive',
        'analytics restore',
        'analytics recompute',
        'analytics trending',
        'analytics migrate',
        'dlq-replay',
      ]),
    );
    for (const s of scripts) expect(labels, `script ${s.script}`).toContain(s.command);
    expect(benches.map((b) => b.label)).toEqual(expect.arrayContaining(['bench events', 'bench suite']));
  });

  it.each([...commands, ...benches].map((c) => [c.label, c.args] as const))(
    'When %s is given --help, then it prints its usage and exits 0 doing nothing else, loading no client library; given an unknown flag, it exits 64 naming it',
    { timeout: 120_000 },
    async (label, args) => {
      const help = await runRecordingLoads([...args, '--help']);
      expect(help.code, help.err).toBe(0);
      expect(help.loads.length, 'modules recorded').toBeGreaterThan(0);
      // Loading the work only inside run() keeps --help and usage errors at a fraction of a second.
      expect(help.loads.filter((url) => HEAVY.test(url))).toEqual([]);
      expect(help.out.startsWith(`usage: ${label}`)).toBe(true);
      expect(help.out).toContain('--help');
      // Every BENCH_ variable has a default or is optional: none is marked required (Type.Optional ones neither).
      expect(help.out).not.toMatch(/^ {2}BENCH_\w+ \(required\)/m);
      expect(help.err).toBe('');
      const wrong = await run([...args, '--no-such-flag']);
      expect(wrong.code).toBe(64);
      expect(wrong.err).toContain("'--no-such-flag'");
      expect(wrong.out).toBe('');
    },
  );

  it('When a command is given an argument it does not take, then it exits 64 naming it', async () => {
    const extra = await run([path.join(root, 'services/catalog/src/cli/import.ts'), 'stray']);
    expect(extra.code).toBe(64);
    expect(extra.err).toContain("unexpected argument 'stray'");
    const missing = await run([path.join(root, 'services/recommendation/src/cli/evaluate.ts')]);
    expect(missing.code).toBe(64);
    expect(missing.err).toContain('<ratings> is required');
    const noGroup = await run([path.join(root, 'packages/platform-service/src/commands/dlq-replay.ts')], {
      KAFKA_BROKERS: '127.0.0.2:9',
    });
    expect(noGroup.code).toBe(64);
    expect(noGroup.err).toContain('--group is required');
  });

  it('When ./marquee is asked for --help (alone or after a command), then it prints its usage and starts nothing; an unknown command or argument exits 64 naming it', async () => {
    const marquee = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string; created: boolean }>((resolve) => {
        // A MARQUEE_HOME that must stay absent: --help creates nothing.
        const home = path.join(root, '.marquee', `help-${process.pid}`);
        const child = spawn('bash', ['marquee', ...args], {
          cwd: root,
          env: { PATH: process.env.PATH ?? '', MARQUEE_HOME: home },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (b) => (out += b));
        child.stderr.on('data', (b) => (err += b));
        child.once('close', (code) => resolve({ code, out, err, created: existsSync(home) }));
      });
    for (const args of [['--help'], ['up', '--help'], ['down', '-h']]) {
      const help = await marquee(args);
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.out.startsWith('usage: ./marquee up [--with-metrics] [--with-tracing] | test')).toBe(true);
      expect(help.err).toBe('');
      expect(help.created, `${args.join(' ')} created its MARQUEE_HOME`).toBe(false);
    }
    const unknown = await marquee(['upp']);
    expect(unknown.code).toBe(64);
    expect(unknown.err).toContain("unknown command 'upp'");
    const stray = await marquee(['status', '--all']);
    expect(stray.code).toBe(64);
    expect(stray.err).toContain("status takes no argument, got '--all'");
    const strayUp = await marquee(['up', '--with-metrics', '--all']);
    expect(strayUp.code).toBe(64);
    expect(strayUp.err).toContain("up takes only --with-metrics and --with-tracing, got '--all'");
  });

  it('When pnpm bench is given no name or an unknown one, then it lists the benchmarks (exit 0) or names it (exit 64)', async () => {
    const list = await run(['bench/run.ts']);
    expect(list.code).toBe(0);
    expect(list.err).toContain('available: ');
    const unknown = await run(['bench/run.ts', 'no-such-bench']);
    expect(unknown.code).toBe(64);
    expect(unknown.err).toContain("unknown benchmark 'no-such-bench'");
  });

  it('When a bench is run and its services answer nowhere it can start them, then one line names each and where, exit 1, no stack', async () => {
    // 127.0.0.2 reaches this machine, but infra.sh starts only what is addressed as 127.0.0.1 or localhost, and
    // nothing listens on port 9: every service is down and none can be started.
    const nowhere = {
      DATABASE_ADMIN_URL: 'postgres://postgres:s3cret@127.0.0.2:9/postgres',
      KAFKA_BROKERS: '127.0.0.2:9',
      REDIS_URL: 'redis://127.0.0.2:9',
      NATS_URL: 'nats://127.0.0.2:9',
    };
    const events = await run(['bench/run.ts', 'events'], nowhere);
    expect(events.code).toBe(1);
    const last = events.err.trim().split('\n').at(-1);
    expect(last).toBe(
      'bench events: PostgreSQL at 127.0.0.2:9 (DATABASE_ADMIN_URL), Kafka at 127.0.0.2:9 (KAFKA_BROKERS), ' +
        'Redis at 127.0.0.2:9 (REDIS_URL), NATS at 127.0.0.2:9 (NATS_URL) do not answer: start them ' +
        '(deploy/local/infra.sh start does for this machine) or point the variable at one that runs',
    );
    expect(events.err).toContain('infra.sh: FAILED: postgres redis nats kafka');
    expect(events.err).not.toMatch(/^\s+at /m);
    expect(events.err).not.toContain('s3cret');
    // A bench that reads only PostgreSQL asks for nothing else.
    const writeCost = await run(['bench/run.ts', 'analytics-write-cost'], nowhere);
    expect(writeCost.code).toBe(1);
    expect(writeCost.err.trim().split('\n').at(-1)).toMatch(
      /^bench analytics-write-cost: PostgreSQL at 127\.0\.0\.2:9 \(DATABASE_ADMIN_URL\) does not answer: start it /,
    );
  });

  it('When a service starts and its database does not answer, then it exits 1 with one line naming DATABASE_URL, not a stack', async () => {
    const { code, err } = await run([path.join(root, 'services/catalog/src/main.ts')], {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://catalog:s3cret@127.0.0.2:9/marquee_catalog',
      KAFKA_BROKERS: '127.0.0.2:10',
      REDIS_URL: 'redis://127.0.0.2:11',
      NATS_URL: 'nats://127.0.0.2:12',
    });
    expect(code).toBe(1);
    expect(err).toBe(
      'catalog: cannot start: connect ECONNREFUSED 127.0.0.2:9 (DATABASE_URL: nothing answers at 127.0.0.2:9; ' +
        'start it, e.g. deploy/local/infra.sh start on this machine, or set the variable)\n',
    );
  });

  it('When a command cannot reach its database, then its one line names the variable and the address, not the password', async () => {
    const { code, err } = await run([path.join(root, 'services/catalog/src/cli/replay-movies.ts')], {
      DATABASE_URL: 'postgres://catalog:s3cret@127.0.0.2:9/marquee_catalog',
      KAFKA_BROKERS: '127.0.0.2:9',
    });
    expect(code).toBe(1);
    expect(err).toBe(
      'catalog replay-movies: connect ECONNREFUSED 127.0.0.2:9 (in: select count(*)::int as n from movies) ' +
        '(DATABASE_URL: nothing answers at 127.0.0.2:9; start it, e.g. deploy/local/infra.sh start on this machine, ' +
        'or set the variable)\n',
    );
  });
});
