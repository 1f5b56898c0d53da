// A Zipkin for the benches' --tracing modes: deploy/local/zipkin.sh start (a Zipkin already answering on
// ZIPKIN_PORT is used as it is and left running), stopped afterwards only when this run started it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EncodableSpan, encodeSpans } from '../packages/platform-tracing/src/zipkin-proto.mjs';

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
  // A heap sized to the 50,000 spans the store keeps (about 100 MB live): each span lives until 50,000 newer
  // ones evict it, which in zipkin.sh's 384 MB heap meant copying it out of the young generation and then
  // full collections of the old one every few seconds (3.2 s of pauses for 300,000 spans). With a 1 GB young
  // generation whose survivor spaces hold the live window, a span dies before it is ever promoted: 12.5 µs
  // of Zipkin CPU per span became 7.4-7.8 (600,000 proto3 spans of the events bench's shape, warm server).
  const env = {
    ZIPKIN_JVM_OPTS: '-XX:+UseSerialGC -Xmn1g -XX:SurvivorRatio=3 -XX:MaxTenuringThreshold=15 -XX:MetaspaceSize=128m',
    ZIPKIN_HEAP_OPTS: '-Xms1400m -Xmx1400m',
    ...process.env,
  };
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (ours) await warmUp(url);
  try {
    return await run(url);
  } finally {
    if (ours) execFileSync('bash', [script, 'stop'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  }
}

/** Spans the warm-up sends: twice what the in-memory store keeps, so it starts full, as a running one is. */
const WARM_SPANS = Number(process.env.ZIPKIN_WARM_SPANS ?? 100_000);

/**
 * A production backend has been taking in spans for a long time: its JIT has compiled the intake and its
 * store is full (every span in evicts an old one). A server just started is neither, and the first runs of a
 * bench paid for its compiling (Zipkin CPU per event 92, 70, 60 µs over three runs of the same path). So a
 * server this run starts first takes in WARM_SPANS spans shaped like the benches' (a producer, a consumer
 * and a query span per trace, in the exporter's proto3), before anything is measured.
 */
async function warmUp(url: string): Promise<void> {
  const resource = { attributes: { 'service.name': 'zipkin-warm-up' } };
  const now = Date.now();
  const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1e6];
  const span = (
    traceId: string,
    spanId: string,
    parent: string,
    kind: number,
    name: string,
    attributes: Record<string, string>,
  ): EncodableSpan => ({
    spanContext: () => ({ traceId, spanId }),
    parentSpanContext: { spanId: parent },
    kind,
    name,
    startTime: hr(now),
    duration: [0, 800_000],
    events: [],
    attributes,
    status: { code: 0 },
    resource,
  });
  for (let sent = 0; sent < WARM_SPANS; ) {
    const batch: EncodableSpan[] = [];
    for (let i = 0; i < 682 && sent < WARM_SPANS; i++, sent += 3) {
      const traceId = randomBytes(16).toString('hex');
      const [a, b, c, root] = [0, 1, 2, 3].map(() => randomBytes(8).toString('hex')) as [
        string,
        string,
        string,
        string,
      ];
      const id = `0190a0b0-0000-7000-8000-${String(sent).padStart(12, '0')}`;
      batch.push(
        span(traceId, a, root, 3, 'publish warm.v1', {
          'messaging.system': 'kafka',
          'messaging.destination.name': 'warm.v1',
          'messaging.message.id': id,
        }),
        span(traceId, b, a, 4, 'warm process interaction.recorded', {
          'messaging.system': 'kafka',
          'messaging.consumer.group.name': 'warm',
          'messaging.message.id': id,
        }),
        span(traceId, c, b, 1, 'pg.query:INSERT warm', {
          'db.system.name': 'postgresql',
          'db.operation.name': 'INSERT',
          'db.query.text': 'insert into seen values ($1, 1) on conflict (user_id) do update set n = seen.n + 1',
        }),
      );
    }
    const res = await fetch(`${url}/api/v2/spans`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeSpans(batch),
    });
    if (!res.ok) throw new Error(`zipkin warm-up: ${res.status} ${await res.text()}`);
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
