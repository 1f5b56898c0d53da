import { type ChildProcess, spawn } from 'node:child_process';
import { startOwnContainer } from './containers';
import { controlContainer } from './docker';
import { testInfra } from './isolation';
import { natsServerBinary } from './nats-server';
import { freePort } from './ports';
import { waitUntilReady } from './readiness';

/** A NATS server of one test's own, which it may stop and start again at the same address. */
export interface OwnNats {
  url: string;
  /** Kills the server (SIGKILL): clients see the connection drop. */
  kill(): Promise<void>;
  /** Starts it again on the same port and waits until it answers. */
  start(): Promise<void>;
  remove(): Promise<void>;
}

/** In container mode a NATS container of its own; otherwise the machine's nats-server binary on a free port. */
export async function startOwnNats(label: string): Promise<OwnNats> {
  if (testInfra().mode === 'containers') {
    const box = await startOwnContainer('nats', label);
    return {
      url: box.endpoint,
      kill: () => controlContainer(box.id, 'kill'),
      start: async () => {
        await controlContainer(box.id, 'start');
        await waitUntilReady('nats', box.endpoint);
      },
      remove: box.stop,
    };
  }
  const bin = natsServerBinary();
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(bin, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    await waitUntilReady('nats', url, 20_000);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url, kill, start, remove: kill };
}
