import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './infra';
import { freePort } from './ports';

/** The NATS configuration with one user per service, as deploy/local, the image and compose use it. */
export const natsUsersConfig = path.join(repoRoot, 'deploy/images/nats/marquee-nats.conf');

export interface TestNatsServer {
  /** `nats://127.0.0.1:<port>` without credentials. */
  url: string;
  /** The users the config names (from its NATS_PASSWORD_<SERVICE> references). */
  services: string[];
  /** The URL a service connects with as its own NATS user. */
  urlFor(service: string): string;
  stop(): Promise<void>;
}

/** The machine's nats-server binary (Debian's package installs it in /usr/sbin). */
export function natsServerBinary(): string {
  const bin = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find(existsSync);
  if (!bin) throw new Error('nats-server is not installed: apt-get install nats-server');
  return bin;
}

/**
 * A nats-server of this test's own, started with a config (by default the per-service users and
 * their permissions, with fresh passwords): permission tests must not reconfigure the shared one.
 */
export async function startNatsServer(config: string = natsUsersConfig): Promise<TestNatsServer> {
  const services = [...readFileSync(config, 'utf8').matchAll(/\$NATS_PASSWORD_([A-Z0-9_]+)/g)].map((m) =>
    (m[1] as string).toLowerCase(),
  );
  const bin = natsServerBinary();
  // nats-server parses an environment value as config: a leading letter keeps it a string.
  const passwords = Object.fromEntries(services.map((s) => [s, `p${randomBytes(12).toString('hex')}`]));
  const env = Object.fromEntries(services.map((s) => [`NATS_PASSWORD_${s.toUpperCase()}`, passwords[s] as string]));
  const port = await freePort();
  const child = spawn(bin, ['-c', config, '-a', '127.0.0.1', '-p', String(port)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (b) => (log += b));
  child.stderr?.on('data', (b) => (log += b));
  const deadline = Date.now() + 10_000;
  while (!log.includes('Server is ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not start: ${log.slice(-1000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = `nats://127.0.0.1:${port}`;
  return {
    url,
    services,
    urlFor: (service) => `nats://${service}:${passwords[service] ?? 'unknown'}@127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
