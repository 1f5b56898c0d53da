import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const register = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/register.mjs');

/** What a process started like a service (`--import register`) reports about the SDK and the modules it loaded. */
function probe(env: Record<string, string>): { sdk: string; otelModules: number } {
  // The SDK's modules load as ESM (not in require.cache); @opentelemetry/api, once loaded by anything,
  // registers its global under Symbol.for('opentelemetry.js.api.<major>').
  const script = `
    const sdk = typeof globalThis[Symbol.for('marquee.tracing.sdk')];
    const otelModules =
      Object.keys(require.cache).filter((k) => k.includes('@opentelemetry')).length +
      Object.getOwnPropertySymbols(globalThis).filter((s) => String(s.description).startsWith('opentelemetry.js.api')).length;
    console.log(JSON.stringify({ sdk, otelModules }));`;
  const r = spawnSync(process.execPath, ['--import', register, '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

describe('tracing preload', () => {
  it('When OTEL_TRACES_EXPORTER is unset or none, then the preload starts no SDK and loads no OpenTelemetry module', () => {
    expect(probe({})).toEqual({ sdk: 'undefined', otelModules: 0 });
    expect(probe({ OTEL_TRACES_EXPORTER: 'none' })).toEqual({ sdk: 'undefined', otelModules: 0 });
  });

  it('When OTEL_TRACES_EXPORTER names an exporter, then the preload starts the SDK before the program runs', () => {
    const on = probe({
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9/api/v2/spans',
    });
    expect(on.sdk).toBe('object');
    expect(on.otelModules).toBeGreaterThan(0);
  });
});
