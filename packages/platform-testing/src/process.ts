import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './infra';
import { runtimeArgs } from '@marquee/platform-runtime';

/**
 * The start scripts' tracing preload (`--import @marquee/platform-tracing/register`) as a path, since tests
 * run from the repository root: it starts OpenTelemetry only when the env has OTEL_TRACES_EXPORTER.
 */
export const tracingRegister = path.join(repoRoot, 'packages/platform-tracing/src/register.mjs');

export interface TsProcess {
  child: ChildProcess;
  /** Resolves with the exit code once the process has exited and everything it printed has been read. */
  exited: Promise<number | null>;
  out(): string;
  err(): string;
  /** Everything it printed, stdout and stderr in the order they arrived. */
  all(): string;
}

/**
 * Runs a TypeScript entry point (a service's main.ts or a CLI) as its own process, with only PATH
 * and the given env, and collects what it prints: how tests start services the way users do (with the
 * tracing preload, which does nothing unless the env asks for traces).
 */
export function runTs(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
  opts: { ownSession?: boolean } = {},
): TsProcess {
  const child = spawn(process.execPath, [...runtimeArgs, '--import', tracingRegister, script, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A session of its own (setsid), as ./marquee up starts each service.
    detached: opts.ownSession ?? false,
  });
  return { child, ...collectOutput(child) };
}

/**
 * What a child process prints, collected as it comes, and its exit code once it has exited and all of that has been
 * read: 'close', not 'exit', which may come before the last of its output has been read from the pipes (a test
 * reading out() at once then missed the final lines: a crash test found 'stopped' missing in CI).
 */
export function collectOutput(child: ChildProcess): Omit<TsProcess, 'child'> {
  let out = '';
  let err = '';
  let all = '';
  child.stdout?.on('data', (b) => {
    out += b;
    all += b;
  });
  child.stderr?.on('data', (b) => {
    err += b;
    all += b;
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { exited, out: () => out, err: () => err, all: () => all };
}

/** Polls a started service's /health/ready until it answers 200 or `timeoutMs` passes; its last answer, if any. */
export async function serviceReady(port: number, timeoutMs = 150_000): Promise<Response | undefined> {
  let ready: Response | undefined;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    ready = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
    if (ready?.status === 200) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return ready;
}
