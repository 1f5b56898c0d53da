// A Zipkin for the benches' --tracing modes: deploy/local/zipkin.sh start (a Zipkin already answering on
// ZIPKIN_PORT is used as it is and left running), stopped afterwards only when this run started it.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../deploy/local/zipkin.sh');
const port = process.env.ZIPKIN_PORT ?? '9411';

async function answers(url: string): Promise<boolean> {
  return fetch(`${url}/health`).then(
    (r) => r.ok,
    () => false,
  );
}

export async function withZipkin<T>(run: (url: string) => Promise<T>): Promise<T> {
  const url = `http://127.0.0.1:${port}`;
  const ours = !(await answers(url));
  // Full JIT (C2) rather than zipkin.sh's quick-start C1 only: the server takes in thousands of spans a
  // second for minutes here, and on the same cores; C2 cost more at start but some 40 % less CPU per span
  // once warm in a trial run (49 against 83 µs per traced event).
  const env = { ZIPKIN_JVM_OPTS: '-XX:+UseSerialGC', ...process.env };
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  try {
    return await run(url);
  } finally {
    if (ours) execFileSync('bash', [script, 'stop'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  }
}

/**
 * The pid of the Zipkin server listening on ZIPKIN_PORT (its java command line names the exec jar and the
 * port), whoever started it; undefined when none is found. The benches read its CPU from /proc: it runs
 * on the same cores as the process it traces.
 */
export function zipkinPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const args = cmdline.split('\0');
    if (args.some((a) => a.includes('zipkin-server')) && args.includes(`--armeria.ports[0].port=${port}`)) {
      return Number(entry);
    }
  }
  return undefined;
}
