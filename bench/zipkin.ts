// A Zipkin for the benches' --tracing modes: deploy/local/zipkin.sh start (a Zipkin already answering on
// ZIPKIN_PORT is used as it is and left running), stopped afterwards only when this run started it.
import { execFileSync } from 'node:child_process';
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
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'ignore', 'inherit'], env: process.env });
  try {
    return await run(url);
  } finally {
    if (ours) execFileSync('bash', [script, 'stop'], { stdio: ['ignore', 'ignore', 'inherit'], env: process.env });
  }
}
