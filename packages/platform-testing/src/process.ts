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
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  out(): string;
  err(): string;
}

/**
 * Runs a TypeScript entry point (a service's main.ts or a CLI) as its own process, with only PATH
 * and the given env, and collects what it prints: how tests start services the way users do (with the
 * tracing preload, which does nothing unless the env asks for traces).
 */
export function runTs(script: string, env: Record<string, string>, args: string[] = []): TsProcess {
  const child = spawn(process.execPath, [...runtimeArgs, '--import', tracingRegister, script, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (b) => {
    out += b;
  });
  child.stderr?.on('data', (b) => {
    err += b;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, out: () => out, err: () => err };
}
