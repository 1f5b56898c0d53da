// Authenticated GET /v1/me on the real auth service, called directly and through the real gateway
// (both as their own processes, as deployed), side by side in one run: at max throughput and at a
// fixed 1,000 req/s. The direct call is the ceiling; the ratio and the added p99 are the result.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const infra = {
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
};
const adminUrl = new URL(process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const children: ChildProcess[] = [];
async function startProcess(name: string, main: string, env: Record<string, string>, port: number): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, main)], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...infra,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (b) => (err += b));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${err.slice(-2000)}`);
    const ok = await fetch(`${base}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return base;
    if (Date.now() > deadline) throw new Error(`${name} not ready: ${err.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function load(url: string, token: string, rate?: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: rate ? 16 : CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: `Bearer ${token}` },
    ...(rate ? { overallRate: rate } : {}),
  });
}

function row(label: string, r: autocannon.Result): string {
  const failures = r.non2xx + r.errors + r.timeouts;
  return `| ${label} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${failures} |`;
}

export async function runGatewayBench(): Promise<{ table: string; ratio: number; addedP99: number }> {
  const key = () => randomBytes(32).toString('base64');
  const authPort = await freePort();
  const gatewayPort = await freePort();
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = '/marquee_bench_gateway_auth';
  const auth = await startProcess(
    'auth',
    'services/auth/src/main.ts',
    {
      DATABASE_URL: dbUrl.toString(),
      KAFKA_TOPIC_PREFIX: 'bench.',
      AUTH_ENCRYPTION_KEYS: `k1:${key()}`,
      AUTH_ENCRYPTION_ACTIVE_KID: 'k1',
      AUTH_EMAIL_HASH_KEY: key(),
    },
    authPort,
  );
  const gateway = await startProcess(
    'gateway',
    'services/gateway/src/main.ts',
    {
      KAFKA_TOPIC_PREFIX: 'bench.',
      AUTH_URL: auth,
      AUTH_JWKS_URL: `${auth}/.well-known/jwks.json`,
      REDIS_KEY_PREFIX: `bench-${Date.now()}:`,
      RATE_LIMIT_PER_MINUTE: '1000000000',
    },
    gatewayPort,
  );
  const tag = randomBytes(4).toString('hex');
  const registered = await fetch(`${auth}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      username: `bench_${tag}`,
      email: `bench.${tag}@example.com`,
      password: 'Velvet-Curtain-2031',
    }),
  });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${await registered.text()}`);
  const { accessToken } = (await registered.json()) as { accessToken: string };

  const direct = `${auth}/v1/me`;
  const through = `${gateway}/api/v1/me`;
  // Warm both paths (JIT, key caches, pools) before measuring.
  await autocannon({ url: through, connections: 8, duration: 2, headers: { authorization: `Bearer ${accessToken}` } });
  await autocannon({ url: direct, connections: 8, duration: 2, headers: { authorization: `Bearer ${accessToken}` } });
  const maxDirect = await load(direct, accessToken);
  const maxGateway = await load(through, accessToken);
  const rateDirect = await load(direct, accessToken, RATE);
  const rateGateway = await load(through, accessToken, RATE);

  const ratio = maxGateway.requests.average / maxDirect.requests.average;
  const addedP99 = rateGateway.latency.p99 - rateDirect.latency.p99;
  const table = [
    `Authenticated GET /v1/me on the real auth service (PostgreSQL read + decrypt), ${SECONDS} s per run; ` +
      `max throughput with ${CONNECTIONS} connections, fixed rate ${RATE} req/s (autocannon overallRate). ` +
      'Auth, gateway and autocannon each run as their own process on this machine; LOG_LEVEL=warn.',
    '',
    '| run | req/s | p50 ms | p99 ms | non-2xx + errors |',
    '|---|---|---|---|---|',
    row('direct, max', maxDirect),
    row('gateway, max', maxGateway),
    row(`direct, ${RATE}/s`, rateDirect),
    row(`gateway, ${RATE}/s`, rateGateway),
    '',
    `Gateway throughput / direct: **${(ratio * 100).toFixed(1)} %** (target ≥ 60 %).`,
    `Added p99 at ${RATE} req/s: **${addedP99.toFixed(2)} ms** (target < 5 ms).`,
  ].join('\n');
  return { table, ratio, addedP99 };
}

export async function stopBenchProcesses(): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
}
