// Sustained ingest of interactions (one PUT view per request, each an effective write and one event), straight
// to the interaction service and through the gateway, with every consumer of interaction.v1 running as its own
// process; then the write batcher beside one commit per request; then drain and count what each consumer applied.
// Each measured run starts once every consumer has caught up with the runs before it.
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { Topics } from '@marquee/contracts';
import { startTestIssuer } from '@marquee/platform-auth';
import { parseExposition } from '@marquee/platform-metrics';
import autocannon from 'autocannon';
import { Kafka, logLevel } from 'kafkajs';
import {
  type BenchProcess,
  cpuMs,
  dropOnStop,
  infra,
  interactionSecrets,
  pidsNamed,
  adminUrl,
  queryOne,
  serviceDatabase,
  startService,
} from './bench-processes';
import { type Stalls, stallCell, startStallProbe } from './stall-probe';
// The recommendation service's default store delay, read from its config (the bench passes it on explicitly).
import { recommendationConfigSchema } from '../../recommendation/src/config';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
/**
 * The max runs again with this many connections: at 64 the service can be bound by each batch's commit latency with
 * CPU to spare (more clients waiting make bigger batches); its capacity is the higher of the two.
 */
const CONNECTIONS_HIGH = Number(process.env.BENCH_CONNECTIONS_HIGH ?? 256);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const USERS = 2000;
/** For iterating only: a comma list of the consumers to run (default: every one; the committed bench runs all). */
const ONLY_CONSUMERS = process.env.BENCH_CONSUMERS?.split(',').map((c) => c.trim());
/**
 * For comparing: BENCH_ROLES=all runs each consumer's service as one process (SERVICE_ROLE=all, its API and
 * consumers at one priority); by default each runs split as deployed, an api process and a worker at WORKER_NICE.
 */
const SPLIT = (process.env.BENCH_ROLES ?? 'split') !== 'all';
/** For comparing: the workers' WORKER_NICE (default: the services' own, 10). */
const WORKER_NICE = process.env.BENCH_WORKER_NICE;
/** For comparing: recommendation's RECOMMENDATION_STORE_DELAY_MS (default: the service's own). */
const STORE_DELAY_OVERRIDE = process.env.BENCH_RECOMMENDATION_STORE_DELAY_MS;
const STORE_DELAY_MS = Number(
  STORE_DELAY_OVERRIDE ?? recommendationConfigSchema.properties.RECOMMENDATION_STORE_DELAY_MS.default,
);
/** For comparing: recommendation's RECOMMENDATION_FOLD_IN_PACE_ABOVE (default: the service's own). */
const PACE_ABOVE_OVERRIDE = process.env.BENCH_RECOMMENDATION_FOLD_IN_PACE_ABOVE;
const PACE_ABOVE = Number(
  PACE_ABOVE_OVERRIDE ?? recommendationConfigSchema.properties.RECOMMENDATION_FOLD_IN_PACE_ABOVE.default,
);
/** For comparing: recommendation's RECOMMENDATION_FOLD_IN_INTERVAL_MS (default: the service's own). */
const FOLD_IN_INTERVAL_OVERRIDE = process.env.BENCH_RECOMMENDATION_FOLD_IN_INTERVAL_MS;
const FOLD_IN_INTERVAL_MS = Number(
  FOLD_IN_INTERVAL_OVERRIDE ?? recommendationConfigSchema.properties.RECOMMENDATION_FOLD_IN_INTERVAL_MS.default,
);
/**
 * A list is overdue once it has waited this long: the delay, the store job's period (at most 1 s) and room for a
 * batch in progress. A consumer is caught up when no list is overdue; lists younger than that wait by design.
 */
const OVERDUE_MS = STORE_DELAY_MS + 3000;
/**
 * Before each fixed-rate run's measured window, the same load for this long, unmeasured: by then the store job
 * stores lists as fast as fold-ins make them due, as it does under a steady load (a window starting with the list
 * queue young would see none of the store's cost). The delay, the job's period and a few seconds' margin.
 */
const LEAD_IN_SECONDS = Number(process.env.BENCH_LEAD_IN_SECONDS ?? Math.ceil(STORE_DELAY_MS / 1000) + 5);

/**
 * Every service consuming interaction.v1, one line each: it runs as its own process on its own database, and
 * `applied` counts the interaction events it has applied (catalog and recommendation record each event id in
 * processed_events; analytics keys each log row by its event id). Catalog also answers the movie fallback.
 */
const ALL_CONSUMERS: { service: string; env: (prefix: string) => Record<string, string>; applied: string }[] = [
  {
    service: 'catalog',
    env: (prefix) => ({ CACHE_KEY_PREFIX: `${prefix}catalog:` }),
    applied: "select count(*)::int as n from processed_events where event_type like 'interaction.%'",
  },
  {
    service: 'recommendation',
    env: (prefix) => ({
      CACHE_KEY_PREFIX: `${prefix}recommendation:`,
      NATS_SUBJECT_PREFIX: prefix,
      RECOMMENDATION_STORE_DELAY_MS: String(STORE_DELAY_MS),
      RECOMMENDATION_FOLD_IN_INTERVAL_MS: String(FOLD_IN_INTERVAL_MS),
      RECOMMENDATION_FOLD_IN_PACE_ABOVE: String(PACE_ABOVE),
    }),
    applied: "select count(*)::int as n from processed_events where event_type like 'interaction.%'",
  },
  {
    service: 'analytics',
    env: (prefix) => ({ NATS_SUBJECT_PREFIX: prefix }),
    applied: "select count(*)::int as n from user_activity_logs where action_type = 'movie_view'",
  },
];
const CONSUMERS = ALL_CONSUMERS.filter(
  (c) => c.service === 'catalog' || !ONLY_CONSUMERS || ONLY_CONSUMERS.includes(c.service),
);

/** A service's /metrics text ('' if it does not answer). */
const scrape = (base: string): Promise<string> =>
  fetch(`${base}/metrics`).then(
    (r) => r.text(),
    () => '',
  );

/** The recorder batcher's histogram sums and counts (write_batch_*), to difference around a run. */
function batchTotals(text: string): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const s of parseExposition(text)) {
    if (s.labels.batcher !== 'interaction-recorder') continue;
    if (/^write_batch_\w+_(sum|count)$/.test(s.name)) totals[s.name] = s.value;
    // Batches within 20 and 50 ms, to tell a tail in the commit (PostgreSQL, the disk) from one elsewhere.
    else if (/^write_batch_(queued|commit)_seconds_bucket$/.test(s.name) && TAIL_BUCKETS.includes(s.labels.le ?? ''))
      totals[`${s.name}_${s.labels.le}`] = s.value;
  }
  return totals;
}

const TAIL_BUCKETS = ['0.02', '0.05'];

/**
 * prom-client samples the event loop with a 10 ms timer (eventLoopMonitoringPrecision) and records each interval
 * whole, so an idle loop reads about 10 ms: what a sample was late by is the rest.
 */
const LOOP_SAMPLE_MS = 10;
const lateBy = (seconds: number) => Math.max(0, seconds * 1000 - LOOP_SAMPLE_MS);

interface Served {
  /** PUTs answered so far, and how many took over 50 ms. */
  all: number;
  slow: number;
  /** How late the event loop ran, p99 and max (ms), since the previous scrape: prom-client resets its histogram at each one. */
  loopP99Ms: number;
  loopMaxMs: number;
}

/**
 * PUTs a service answered so far and how many of them took over 50 ms by its own clock (Fastify's, from the
 * request's arrival to its answer: http_request_duration_seconds), to tell a tail in a service from one before its
 * timer starts (a busy event loop, the sockets, the load generator); and its event loop's delay since the last scrape.
 */
function servedPuts(text: string): Served {
  const served: Served = { all: 0, slow: 0, loopP99Ms: Number.NaN, loopMaxMs: Number.NaN };
  let within = 0;
  for (const s of parseExposition(text)) {
    if (s.name === 'nodejs_eventloop_lag_p99_seconds') served.loopP99Ms = lateBy(s.value);
    else if (s.name === 'nodejs_eventloop_lag_max_seconds') served.loopMaxMs = lateBy(s.value);
    if (s.name !== 'http_request_duration_seconds_bucket' || s.labels.method !== 'PUT') continue;
    if (s.labels.le === '+Inf') served.all += s.value;
    else if (s.labels.le === '0.05') within += s.value;
  }
  served.slow = served.all - within;
  return served;
}

interface BatchMeans {
  size: number;
  queuedMs: number;
  commitMs: number;
  /** Share of batches (%) whose commit took longer than 20 ms and than 50 ms. */
  commitOver20: number;
  commitOver50: number;
  /** Share of batches (%) whose requests queued longer than 20 ms on average. */
  queuedOver20: number;
}

function batchMeans(before: Record<string, number>, after: Record<string, number>): BatchMeans | undefined {
  const d = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
  const n = d('write_batch_size_count');
  if (n <= 0) return undefined;
  return {
    size: d('write_batch_size_sum') / n,
    queuedMs: (d('write_batch_queued_seconds_sum') * 1000) / n,
    commitMs: (d('write_batch_commit_seconds_sum') * 1000) / n,
    commitOver20: (100 * (n - d('write_batch_commit_seconds_bucket_0.02'))) / n,
    commitOver50: (100 * (n - d('write_batch_commit_seconds_bucket_0.05'))) / n,
    queuedOver20: (100 * (n - d('write_batch_queued_seconds_bucket_0.02'))) / n,
  };
}

export interface Metric {
  name: string;
  value: number;
  unit: string;
  target: string;
  met: boolean | null;
}

interface Run {
  label: string;
  accepted: number;
  seconds: number;
  p50: number;
  p99: number;
  /** Of the PUTs each service answered during the run, the share that took it over 50 ms (undefined: it answered none). */
  slowServed: { interaction: number | undefined; gateway: number | undefined };
  /** Each service's event-loop delay over the run, p99 and max in ms. */
  loopDelay: { interaction: [number, number]; gateway: [number, number] };
  failures: number;
  /** CPU µs per accepted interaction, by process: all it used during the run, and that less its idle rate. */
  cpu: Record<string, number>;
  net: Record<string, number>;
  /** The interaction service's write batches during the run (means per batch). */
  batches: BatchMeans | undefined;
  /** Per consumer, events accepted by the end of the run that it had not applied yet (how far it fell behind). */
  behind: Record<string, number>;
  /** Seconds after the run until every consumer had applied everything (the next run starts after it). */
  caughtUpSeconds: number;
  /** PostgreSQL's WAL over the run (the whole server's: every service's database): fdatasyncs per second and bytes. */
  wal: { syncsPerSecond: number; bytes: number };
  /** The machine's stalls during the run, as a probe at the highest priority saw them (stall-probe.ts). */
  stalls: Stalls | undefined;
}

/** The server's WAL counters (pg_stat_wal, PostgreSQL 14+): syncs to disk (each a wait for every commit behind it) and bytes. */
const walCounters = () =>
  queryOne<{ syncs: string; bytes: string }>(adminUrl, 'select wal_sync as syncs, wal_bytes as bytes from pg_stat_wal');

export async function runIngestBench(): Promise<{ markdown: string; metrics: Metric[] }> {
  const tag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const prefix = `bench-${tag}.`;
  dropOnStop(prefix);
  const issuer = await startTestIssuer();
  const common = { KAFKA_TOPIC_PREFIX: prefix, AUTH_JWKS_URL: issuer.jwksUrl };
  const loadBefore = os.loadavg()[0] as number;

  /** The processes running each service's consumers (its worker, or the whole service), and its api processes. */
  const consumers: BenchProcess[] = [];
  const apis: BenchProcess[] = [];
  const consumerDb: Record<string, string> = {};
  /** The recommendation worker's /metrics as scraped now: a sample's value by name (0 when absent or not running). */
  const recommendationMetrics = async (): Promise<(name: string) => number> => {
    const worker = consumers.find((c) => c.name === 'recommendation');
    const samples = worker ? parseExposition(await scrape(worker.base)) : [];
    return (name) => samples.find((x) => x.name === name)?.value ?? 0;
  };
  for (const c of CONSUMERS) {
    const db = await serviceDatabase(c.service);
    consumerDb[c.service] = db.adminUrl;
    const env = { ...common, ...db.env, ...c.env(prefix) };
    if (SPLIT) {
      apis.push(await startService(c.service, { ...env, SERVICE_ROLE: 'api' }));
      consumers.push(
        await startService(c.service, { ...env, SERVICE_ROLE: 'worker', ...(WORKER_NICE ? { WORKER_NICE } : {}) }),
      );
    } else consumers.push(await startService(c.service, env));
  }
  const catalog = [...apis, ...consumers].find((c) => c.name === 'catalog') as BenchProcess;
  const interactionDatabase = await serviceDatabase('interaction');
  const interactionDb = interactionDatabase.adminUrl;
  // The relay deletes each outbox row once Kafka has it, so what has been accepted is what the topic holds plus the
  // rows still waiting (only views are sent, each one interaction.recorded). A row Kafka has whose delete has not
  // committed yet is counted twice for that moment: a reading during a run may overstate a consumer's lag by up to
  // one relay batch; the catch-up waits for the outbox to be empty, when the count is exact.
  const kafkaAdmin = new Kafka({ brokers: infra.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
  await kafkaAdmin.connect();
  const interactionTopic = `${prefix}${Topics.interaction}`;
  async function recordedSoFar(): Promise<{ n: number; pending: number }> {
    const { pending } = await queryOne<{ pending: number }>(
      interactionDb,
      "select count(*)::int as pending from outbox where type = 'interaction.recorded'",
    );
    // The interaction service created the topic when it started, before the first reading.
    const offsets = await kafkaAdmin.fetchTopicOffsets(interactionTopic);
    return { n: pending + offsets.reduce((sum, o) => sum + Number(o.high), 0), pending };
  }
  const interactionEnv = {
    ...common,
    ...interactionDatabase.env,
    CATALOG_URL: catalog.base,
    ...interactionSecrets(),
  };
  let interaction = await startService('interaction', interactionEnv);
  const gateway = await startService('gateway', {
    ...common,
    INTERACTION_URL: interaction.base,
    CATALOG_URL: catalog.base,
    AUTH_URL: '',
    REDIS_KEY_PREFIX: `${prefix}gateway:`,
    // The limiter runs on every request, with room for the bench's 2,000 users.
    RATE_LIMIT_PER_MINUTE: '100000',
  });
  // Every movie the catalog imported is projected before the clock starts.
  const movieCount = (
    await queryOne<{ n: number }>(consumerDb.catalog as string, 'select count(*)::int as n from movies')
  ).n;
  for (;;) {
    const known = (await queryOne<{ n: number }>(interactionDb, 'select count(*)::int as n from known_movies')).n;
    if (known >= movieCount) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const movieIds = (
    await queryOne<{ ids: number[] }>(
      interactionDb,
      'select array_agg(movie_id order by movie_id) as ids from known_movies',
    )
  ).ids;
  const tokens = await Promise.all(
    Array.from({ length: USERS }, () => issuer.sign({ sub: randomUUID(), role: 'user' })),
  );

  // PostgreSQL's CPU by what its processes serve: each service's database (its pool's backends), and the background
  // processes (checkpointer, WAL writer, ...) that write out what every database changed. Read before each
  // measurement; a backend that connects during it is not counted (the pools are open by then).
  const dbNames = Object.fromEntries(
    [['interaction', interactionDb], ...Object.entries(consumerDb)].map(([service, url]) => [
      new URL(url as string).pathname.slice(1),
      service,
    ]),
  );
  let pgGroups: Record<string, number[]> = {};
  async function readPgGroups(): Promise<void> {
    const { rows } = await queryOne<{ rows: { pid: number; datname: string | null; backend_type: string }[] }>(
      adminUrl,
      "select coalesce(json_agg(json_build_object('pid', pid, 'datname', datname, 'backend_type', backend_type)), '[]') as rows from pg_stat_activity",
    );
    const groups: Record<string, number[]> = {};
    for (const r of rows) {
      const service = r.datname ? dbNames[r.datname] : undefined;
      const key =
        r.backend_type !== 'client backend' ? 'pg background' : service ? `pg ${service} db` : 'pg other clients';
      groups[key] = [...(groups[key] ?? []), r.pid];
    }
    pgGroups = Object.fromEntries(
      ['interaction', ...Object.keys(consumerDb)]
        .map((s) => `pg ${s} db`)
        .concat(['pg background', 'pg other clients'])
        .map((k) => [k, groups[k] ?? []]),
    );
  }
  const pidsOf = () => ({
    interaction: [interaction.pid],
    gateway: [gateway.pid],
    ...Object.fromEntries(consumers.map((c) => [`${c.name} (consumer)`, [c.pid]])),
    ...Object.fromEntries(apis.map((c) => [`${c.name} (api)`, [c.pid]])),
    'load generator': [process.pid],
    'postgres (all)': pidsNamed(['postgres']),
    ...pgGroups,
    'kafka (jvm)': pidsNamed(['java']),
  });
  const cpuOf = (pids: Record<string, (number | undefined)[]>) =>
    Object.fromEntries(Object.entries(pids).map(([k, list]) => [k, new Map(list.map((p) => [p, cpuMs(p)] as const))]));
  /** CPU ms a group used between two readings, over the processes alive at both (others come and go). */
  const usedMs = (before: Map<number | undefined, number>, after: Map<number | undefined, number>) =>
    [...before].reduce(
      (sum, [pid, ms]) => sum + (after.has(pid) ? Math.max(0, (after.get(pid) as number) - ms) : 0),
      0,
    );

  /**
   * The interactions accepted so far (one event each), how many of them are not yet published, and per consumer how
   * many it has applied and how many it has still to apply.
   */
  async function backlog(): Promise<{
    n: number;
    pending: number;
    applied: Record<string, number>;
    behind: Record<string, number>;
    waitingLists: number;
    overdueLists: number;
    foldInsWaiting: number;
  }> {
    const { n, pending } = await recordedSoFar();
    const applied: Record<string, number> = {};
    const behind: Record<string, number> = {};
    for (const c of CONSUMERS) {
      applied[c.service] = (await queryOne<{ n: number }>(consumerDb[c.service] as string, c.applied)).n;
      behind[c.service] = Math.max(0, n - (applied[c.service] as number));
    }
    // Recommendation writes a fold-in's list into user_recommendations RECOMMENDATION_STORE_DELAY_MS later: lists
    // waiting, and those waiting past the delay (the store job behind).
    const lists = consumerDb.recommendation
      ? await queryOne<{ waiting: number; overdue: number }>(
          consumerDb.recommendation,
          `select count(*)::int as waiting,
             (count(*) filter (where pending_since < now() - make_interval(secs => ${OVERDUE_MS / 1000})))::int as overdue
           from rec_pending_lists`,
        )
      : { waiting: 0, overdue: 0 };
    // Fold-ins the recommendation worker paced (a user folded in within its interval waits for it to pass): a
    // consumer with some still waiting has work left from the run.
    const foldInsWaiting = (await recommendationMetrics())('recommendation_fold_ins_waiting');
    return { n, pending, applied, behind, waitingLists: lists.waiting, overdueLists: lists.overdue, foldInsWaiting };
  }
  /**
   * Waits until every accepted interaction is written (the count held still over one poll: requests in flight when
   * a run ended commit after it), published, and applied by every consumer, and recommendation's store job has no
   * list overdue (`allLists`: has stored every list), or limitMs passed; returns the seconds and the last reading.
   */
  async function catchUp(limitMs = 300_000, pollMs = 500, allLists = false) {
    const started = Date.now();
    let previous = -1;
    for (;;) {
      const state = await backlog();
      const settled =
        state.n === previous &&
        state.pending === 0 &&
        (allLists ? state.waitingLists : state.overdueLists) === 0 &&
        state.foldInsWaiting === 0 &&
        Object.values(state.behind).every((b) => b === 0);
      if (settled || Date.now() - started > limitMs) return { seconds: (Date.now() - started) / 1000, ...state };
      previous = state.n;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
  /**
   * Every consumer caught up and every waiting list stored now: the lists are made due at once (their pending_since
   * moved back by the delay, as if it had passed), so a reading that must not take in the store's work (the idle
   * one, the final count) does not wait a whole delay for it.
   */
  async function catchUpAll(limitMs = 300_000, pollMs = 500) {
    // The events applied first: a fold-in after the move would queue a list that waits the whole delay.
    const applied = await catchUp(limitMs, pollMs);
    if (consumerDb.recommendation)
      await queryOne(
        consumerDb.recommendation,
        `update rec_pending_lists set pending_since = pending_since - make_interval(secs => ${STORE_DELAY_MS / 1000})`,
      );
    const stored = await catchUp(limitMs, pollMs, true);
    return { ...stored, seconds: applied.seconds + stored.seconds };
  }

  /** CPU ms per second each group uses with no requests (timers, polling consumers and relays), measured idle. */
  let idle: Record<string, number> = {};
  async function measureIdle(idleSeconds = 5): Promise<void> {
    // Idle means the warm-ups' events are published and applied by every consumer and their lists stored, else their
    // backlog counts as idle.
    await catchUpAll(180_000);
    await readPgGroups();
    const before = cpuOf(pidsOf());
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const after = cpuOf(pidsOf());
    idle = Object.fromEntries(
      Object.keys(before).map((k) => [
        k,
        usedMs(before[k] as Map<number | undefined, number>, after[k] as Map<number | undefined, number>) / idleSeconds,
      ]),
    );
  }

  let seq = 0;
  /** PUT views for `seconds`: at `rate` over 32 connections, or as fast as `connections` connections go. */
  const load = (base: string, path: string, rate: number | undefined, seconds: number, connections: number) =>
    autocannon({
      url: base,
      connections: rate ? 32 : connections,
      duration: seconds,
      ...(rate ? { overallRate: rate } : {}),
      requests: [
        {
          method: 'PUT',
          setupRequest: (req) => {
            seq += 1;
            return {
              ...req,
              path: `${path}/${movieIds[seq % movieIds.length]}/view`,
              headers: { authorization: `Bearer ${tokens[seq % USERS]}` },
            };
          },
        },
      ],
    });
  async function run(
    label: string,
    base: string,
    path: string,
    rate?: number,
    seconds = SECONDS,
    connections = CONNECTIONS,
  ): Promise<Run> {
    process.stderr.write(`${new Date().toISOString()} ${label}\n`);
    // A fixed-rate run is measured at steady state: the same load first, unmeasured (LEAD_IN_SECONDS says why).
    if (rate && LEAD_IN_SECONDS > 0) await load(base, path, rate, LEAD_IN_SECONDS, connections);
    await readPgGroups();
    const pids = pidsOf();
    // One scrape of each service before and after: the first after the run also reads its event-loop delay over it.
    const [interactionBefore, gatewayBefore] = await Promise.all([scrape(interaction.base), scrape(gateway.ops)]);
    const batchesBefore = batchTotals(interactionBefore);
    const servedBefore = { interaction: servedPuts(interactionBefore), gateway: servedPuts(gatewayBefore) };
    // Read before the CPU snapshot, so the query's own PostgreSQL time is not counted in the run.
    const walBefore = await walCounters();
    const before = cpuOf(pids);
    const started = performance.now();
    const probe = startStallProbe(seconds);
    const result = await load(base, path, rate, seconds, connections);
    const stalls = await probe.stalls;
    const after = cpuOf(pidsOf());
    const wall = (performance.now() - started) / 1000;
    const walAfter = await walCounters();
    const { behind } = await backlog();
    const [interactionAfter, gatewayAfter] = await Promise.all([scrape(interaction.base), scrape(gateway.ops)]);
    const batches = batchMeans(batchesBefore, batchTotals(interactionAfter));
    const servedAfter = { interaction: servedPuts(interactionAfter), gateway: servedPuts(gatewayAfter) };
    const slowShare = (k: keyof typeof servedAfter) => {
      const all = servedAfter[k].all - servedBefore[k].all;
      return all > 0 ? (servedAfter[k].slow - servedBefore[k].slow) / all : undefined;
    };
    const loop = (k: keyof typeof servedAfter): [number, number] => [
      servedAfter[k].loopP99Ms,
      servedAfter[k].loopMaxMs,
    ];
    const accepted = result['2xx'];
    const used = Object.fromEntries(
      Object.keys(before).map((k) => [
        k,
        usedMs(before[k] as Map<number | undefined, number>, after[k] as Map<number | undefined, number>),
      ]),
    );
    const perAccepted = (ms: number) => (ms * 1000) / Math.max(1, accepted);
    const cpu = Object.fromEntries(Object.entries(used).map(([k, ms]) => [k, perAccepted(ms)]));
    const net = Object.fromEntries(
      Object.entries(used).map(([k, ms]) => [k, perAccepted(Math.max(0, ms - (idle[k] ?? 0) * wall))]),
    );
    return {
      label,
      accepted,
      seconds: seconds,
      p50: result.latency.p50,
      p99: result.latency.p99,
      slowServed: { interaction: slowShare('interaction'), gateway: slowShare('gateway') },
      loopDelay: {
        interaction: loop('interaction'),
        gateway: loop('gateway'),
      },
      failures: result.non2xx + result.errors + result.timeouts,
      cpu,
      net,
      batches,
      behind,
      wal: {
        syncsPerSecond: (Number(walAfter.syncs) - Number(walBefore.syncs)) / wall,
        bytes: Number(walAfter.bytes) - Number(walBefore.bytes),
      },
      stalls,
      // Each run starts with every consumer caught up, so no run pays for the backlog an earlier one left.
      caughtUpSeconds: (await catchUp()).seconds,
    };
  }

  const runs: Run[] = [];
  await run('warm-up', interaction.base, '/v1/me/interactions', undefined, 3);
  await run('warm-up', gateway.base, '/api/v1/me/interactions', undefined, 3);
  await measureIdle();
  const idleBatched = idle;
  // Consumers lag behind the runs under load, so their CPU is taken over everything from here to the end of the drain.
  const measuredFrom = { cpu: cpuOf(pidsOf()), at: performance.now(), events: (await recordedSoFar()).n };
  runs.push(await run('direct, max (batched commits)', interaction.base, '/v1/me/interactions'));
  runs.push(await run('gateway, max', gateway.base, '/api/v1/me/interactions'));
  const high = `${CONNECTIONS_HIGH} connections`;
  runs.push(
    await run(`direct, max, ${high}`, interaction.base, '/v1/me/interactions', undefined, SECONDS, CONNECTIONS_HIGH),
  );
  runs.push(
    await run(`gateway, max, ${high}`, gateway.base, '/api/v1/me/interactions', undefined, SECONDS, CONNECTIONS_HIGH),
  );
  runs.push(await run(`direct, ${RATE}/s`, interaction.base, '/v1/me/interactions', RATE));
  runs.push(await run(`gateway, ${RATE}/s`, gateway.base, '/api/v1/me/interactions', RATE));
  // The same service with one commit per request (WRITE_BATCH_WINDOW_MS=0), same database.
  await interaction.stop();
  interaction = await startService('interaction', { ...interactionEnv, WRITE_BATCH_WINDOW_MS: '0' });
  await run('warm-up', interaction.base, '/v1/me/interactions', undefined, 3);
  await measureIdle();
  runs.push(await run('direct, max (one commit per request)', interaction.base, '/v1/me/interactions'));
  runs.push(await run(`direct, ${RATE}/s (one commit per request)`, interaction.base, '/v1/me/interactions', RATE));

  // Drain: the count is taken once every accepted interaction (warm-ups included, one event each) is written,
  // published and applied by every consumer (polled every 2 s, for at most 10 minutes).
  const { seconds: drainSeconds, n: produced, applied } = await catchUpAll(600_000, 2000);
  const measuredTo = cpuOf(pidsOf());
  // Whether pacing was at work (it is only above RECOMMENDATION_FOLD_IN_PACE_ABOVE fold-ins a second).
  const recCounter = await recommendationMetrics();
  const foldInsDeferred = recCounter('recommendation_fold_ins_deferred_total');
  const pacedFoldIns = recCounter('recommendation_paced_fold_ins_total');
  const measuredSeconds = (performance.now() - measuredFrom.at) / 1000;
  const measuredEvents = Math.max(1, produced - measuredFrom.events);
  const consumerCpu = Object.fromEntries(
    CONSUMERS.map((c) => {
      const k = `${c.service} (consumer)`;
      const ms = usedMs(
        measuredFrom.cpu[k] as Map<number | undefined, number>,
        measuredTo[k] as Map<number | undefined, number>,
      );
      const net = Math.max(0, ms - (idleBatched[k] ?? 0) * measuredSeconds);
      // Its database's backends too (the pool's, as open when the measured runs began).
      const d = `pg ${c.service} db`;
      const dbMs = usedMs(
        measuredFrom.cpu[d] as Map<number | undefined, number>,
        measuredTo[d] as Map<number | undefined, number>,
      );
      const dbNet = Math.max(0, dbMs - (idleBatched[d] ?? 0) * measuredSeconds);
      return [
        c.service,
        {
          raw: (ms * 1000) / measuredEvents,
          net: (net * 1000) / measuredEvents,
          dbRaw: (dbMs * 1000) / measuredEvents,
          dbNet: (dbNet * 1000) / measuredEvents,
        },
      ];
    }),
  );
  const views = (
    await queryOne<{ n: number }>(
      consumerDb.catalog as string,
      'select coalesce(sum(view_count), 0)::int as n from movies',
    )
  ).n;
  const loadAfter = os.loadavg()[0] as number;
  await issuer.close();
  await kafkaAdmin.disconnect();

  const byLabel = (l: string) => runs.find((r) => r.label === l) as Run;
  /** The fixed-rate runs' labels, the ones the latency target and the tail figures are read from. */
  const atRate = [`direct, ${RATE}/s`, `gateway, ${RATE}/s`];
  const perSecond = (r: Run) => r.accepted / r.seconds;
  const direct = byLabel('direct, max (batched commits)');
  const through = byLabel('gateway, max');
  const higher = (a: Run, b: Run) => (perSecond(b) > perSecond(a) ? b : a);
  // The service's capacity: the better of the two concurrencies.
  const directBest = higher(direct, byLabel(`direct, max, ${CONNECTIONS_HIGH} connections`));
  const throughBest = higher(through, byLabel(`gateway, max, ${CONNECTIONS_HIGH} connections`));
  const single = byLabel('direct, max (one commit per request)');
  const processes = Object.keys(direct.cpu);
  const cpuCell = (r: Run, k: string) =>
    Number.isFinite(r.cpu[k]) ? `${(r.net[k] as number).toFixed(0)} (${(r.cpu[k] as number).toFixed(0)})` : '–';
  const behindCell = (r: Run) =>
    `${CONSUMERS.map((c) => r.behind[c.service] ?? 0).join(' / ')} (${r.caughtUpSeconds.toFixed(1)} s)`;
  const batchCell = (r: Run) =>
    r.batches
      ? `${r.batches.size.toFixed(1)} / ${r.batches.queuedMs.toFixed(1)} / ${r.batches.commitMs.toFixed(1)}`
      : '–';
  const tailCell = (r: Run) =>
    r.batches
      ? `${r.batches.commitOver20.toFixed(1)} / ${r.batches.commitOver50.toFixed(2)} / ${r.batches.queuedOver20.toFixed(1)}`
      : '–';
  const pct = (share: number | undefined) => (share === undefined ? '–' : (share * 100).toFixed(2));
  const slowCell = (r: Run) => `${pct(r.slowServed.interaction)} / ${pct(r.slowServed.gateway)}`;
  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '–');
  const walCell = (r: Run) =>
    `${r.wal.syncsPerSecond.toFixed(0)} / ${(r.wal.bytes / 1024 / Math.max(1, r.accepted)).toFixed(1)}`;
  const loopCell = (r: Run) =>
    `${ms(r.loopDelay.interaction[0])} / ${ms(r.loopDelay.interaction[1])}, ${ms(r.loopDelay.gateway[0])} / ${ms(r.loopDelay.gateway[1])}`;
  const lostOrDoubled = Object.fromEntries(CONSUMERS.map((c) => [c.service, (applied[c.service] ?? 0) - produced]));
  const metrics: Metric[] = [
    {
      name: 'direct accepted/s',
      value: Math.round(perSecond(directBest)),
      unit: 'interactions/s',
      target: '>= 3000',
      met: perSecond(directBest) >= 3000,
    },
    {
      name: 'gateway accepted/s',
      value: Math.round(perSecond(throughBest)),
      unit: 'interactions/s',
      target: '>= 2000',
      met: perSecond(throughBest) >= 2000,
    },
    ...[direct, through].map((r) => ({
      name: `accepted/s, ${r.label}, ${CONNECTIONS} connections`,
      value: Math.round(perSecond(r)),
      unit: 'interactions/s',
      target: '',
      met: null,
    })),
    ...[`direct, max, ${CONNECTIONS_HIGH} connections`, `gateway, max, ${CONNECTIONS_HIGH} connections`].map((l) => ({
      name: `accepted/s, ${l}`,
      value: Math.round(perSecond(byLabel(l))),
      unit: 'interactions/s',
      target: '',
      met: null,
    })),
    ...atRate.map((l) => ({
      name: `p99 accept latency, ${l}`,
      value: byLabel(l).p99,
      unit: 'ms',
      target: '< 50',
      met: byLabel(l).p99 < 50,
    })),
    ...atRate.flatMap((l) =>
      (['interaction', 'gateway'] as const).flatMap((service) => {
        const share = byLabel(l).slowServed[service];
        return share === undefined
          ? []
          : [
              {
                name: `PUTs ${service} answered in over 50 ms by its own clock, ${l}`,
                value: Number((share * 100).toFixed(2)),
                unit: '%',
                target: '',
                met: null,
              },
            ];
      }),
    ),
    ...atRate.flatMap((l) => {
      const stalls = byLabel(l).stalls;
      return stalls
        ? [
            {
              name: `machine stalls over 50 ms (a probe at ${stalls.niced ? 'nice -20' : 'nice 0'}), ${l}`,
              value: stalls.late.filter((ms) => ms > 50).length,
              unit: 'stalls',
              target: '',
              met: null,
            },
          ]
        : [];
    }),
    ...atRate.map((l) => ({
      name: `PostgreSQL WAL syncs per second, ${l}`,
      value: Math.round(byLabel(l).wal.syncsPerSecond),
      unit: 'syncs/s',
      target: '',
      met: null,
    })),
    {
      name: 'batched / one commit per request (direct max)',
      value: Number((perSecond(direct) / Math.max(1, perSecond(single))).toFixed(2)),
      unit: 'ratio',
      target: '',
      met: null,
    },
    ...[direct, byLabel(`direct, ${RATE}/s`)].flatMap((r) =>
      r.batches
        ? [
            { name: `mean batch size, ${r.label}`, value: Number(r.batches.size.toFixed(1)), unit: 'requests' },
            { name: `mean queued per batch, ${r.label}`, value: Number(r.batches.queuedMs.toFixed(1)), unit: 'ms' },
            { name: `mean commit per batch, ${r.label}`, value: Number(r.batches.commitMs.toFixed(1)), unit: 'ms' },
            {
              name: `batches committing in over 50 ms, ${r.label}`,
              value: Number(r.batches.commitOver50.toFixed(2)),
              unit: '%',
            },
          ].map((m) => ({ ...m, target: '', met: null }))
        : [],
    ),
    ...CONSUMERS.map((c) => ({
      name: `${c.service}: applied - accepted after draining`,
      value: lostOrDoubled[c.service] as number,
      unit: 'events',
      target: '0',
      met: lostOrDoubled[c.service] === 0,
    })),
    ...processes.map((p) => ({
      name: `${p} CPU per interaction, direct max (idle subtracted)`,
      value: Math.round(direct.net[p] ?? 0),
      unit: 'µs',
      target: '',
      met: null,
    })),
    ...processes.map((p) => ({
      name: `${p} CPU per interaction, gateway max (idle subtracted)`,
      value: Math.round(through.net[p] ?? 0),
      unit: 'µs',
      target: '',
      met: null,
    })),
    ...CONSUMERS.map((c) => ({
      name: `${c.service} CPU per applied event, all runs and drain (idle subtracted)`,
      value: Math.round(consumerCpu[c.service]?.net ?? 0),
      unit: 'µs',
      target: '',
      met: null,
    })),
    ...CONSUMERS.map((c) => ({
      name: `${c.service} CPU per applied event, all runs and drain (raw)`,
      value: Math.round(consumerCpu[c.service]?.raw ?? 0),
      unit: 'µs',
      target: '',
      met: null,
    })),
    ...CONSUMERS.map((c) => ({
      name: `pg ${c.service} db CPU per applied event, all runs and drain (idle subtracted)`,
      value: Math.round(consumerCpu[c.service]?.dbNet ?? 0),
      unit: 'µs',
      target: '',
      met: null,
    })),
    { name: 'load average (1 min) before', value: Number(loadBefore.toFixed(1)), unit: 'load', target: '', met: null },
    { name: 'load average (1 min) after', value: Number(loadAfter.toFixed(1)), unit: 'load', target: '', met: null },
    {
      name: 'catalog view_count total - accepted',
      value: views - produced,
      unit: 'views',
      target: '0',
      met: views === produced,
    },
  ];
  const markdown = [
    `Each request is one \`PUT /v1/me/interactions/:movieId/view\` (a new or refreshed view: always one write and one ` +
      `interaction.recorded), ${USERS} users (JWTs from a local issuer) over the ${movieCount} imported movies; ${SECONDS} s per run, ` +
      `max runs with ${CONNECTIONS} connections and again with ${CONNECTIONS_HIGH} (the targets take the better of the two), fixed-rate runs at ${RATE}/s (autocannon overallRate). Interaction, gateway and ` +
      `each consumer of interaction.v1 (${CONSUMERS.map((c) => c.service).join(', ')}) run as their own processes as deployed, ` +
      'each in a session of its own as ./marquee up starts them (setsid: the kernel shares CPU between sessions first) ' +
      (SPLIT
        ? `(each consumer's service split: an api process, and a worker running its consumers at nice ${WORKER_NICE ? `${WORKER_NICE} (BENCH_WORKER_NICE)` : '10'}, its session too, SERVICE_ROLE; the "(consumer)" columns are the workers) `
        : "(BENCH_ROLES=all: each consumer's service as one process, its API and consumers at one priority) ") +
      '(NODE_ENV=production, LOG_LEVEL=warn, each service on its own database as its application role, an owner role migrating); ' +
      'PostgreSQL keeps fsync and synchronous_commit on. ' +
      `Recommendation stores each list in user_recommendations ${STORE_DELAY_MS / 1000} s ${STORE_DELAY_OVERRIDE ? '(BENCH_RECOMMENDATION_STORE_DELAY_MS)' : '(its default)'} after the fold-in that first queued it, and folds a user in at most once per ${FOLD_IN_INTERVAL_MS / 1000} s ${FOLD_IN_INTERVAL_OVERRIDE ? '(BENCH_RECOMMENDATION_FOLD_IN_INTERVAL_MS)' : '(its default)'} (the first interaction after that long at once, the ones within it together when it ends; "caught up" includes those paced fold-ins) while it is asked for more than ${PACE_ABOVE} fold-ins a second ${PACE_ABOVE_OVERRIDE ? '(BENCH_RECOMMENDATION_FOLD_IN_PACE_ABOVE)' : '(its default)'}, as in every run here (below it every interaction is folded in at once). ` +
      `Each fixed-rate run is measured at steady state: its load runs ${LEAD_IN_SECONDS} s unmeasured first${process.env.BENCH_LEAD_IN_SECONDS ? ' (BENCH_LEAD_IN_SECONDS)' : ' (the store delay and a few seconds)'}, so that the store job stores lists as fast as fold-ins make them due during the ${SECONDS} s measured.`,
    '',
    `Machine load average (1 min) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${os.cpus().length} cores ` +
      '(other work on the machine competes; postgres and kafka CPU include everything else they serve meanwhile).',
    '',
    `Idle CPU (ms/s, no requests, measured after the warm-ups): ${processes.map((p) => `${p} ${(idleBatched[p] ?? 0).toFixed(1)}`).join(', ')}. ` +
      'CPU cells: µs per accepted interaction less that idle rate over the run (in brackets: all CPU used during the run / accepted). ' +
      "Batch cells: the interaction service's PUT batches during the run (its write_batch_* series): requests per batch, how long " +
      'they queued before their batch began (window, or every commit slot busy) and its begin-to-commit time, as means per batch, and the share of batches whose commit took over 20 and over 50 ms or whose requests queued over 20 ms (from its histograms: a p99 over 50 ms with no batch committing that slowly waited somewhere else). ' +
      "\"% answered in > 50 ms\": of the PUTs the interaction service and the gateway answered during the run, the share each took over 50 ms by its own clock (http_request_duration_seconds, from the request's arrival to its answer); a p99 above 50 ms that neither shows waited before a service's clock started (a busy event loop, the sockets, the load generator, which runs in the bench's process). " +
      '"event-loop delay": how late each service\'s event loop ran its timers during the run (prom-client\'s nodejs_eventloop_lag_p99/max_seconds, reset at each scrape, less its 10 ms sampling interval): a request arriving meanwhile waits that long before its clock starts. ' +
      "\"PostgreSQL WAL\": the whole server's WAL during the run (pg_stat_wal: every service's database and the bench's own), how many times a second it was synced to disk (each sync is a wait for every commit behind it, and the disk it shares with the data files and Kafka's log sets how long it takes) and how many KB it grew per accepted interaction. " +
      'postgres and kafka serve the whole machine, so theirs is the roughest; the "pg … db" columns split postgres by the ' +
      'database a backend serves (each service\'s pool, the bench\'s own queries are "pg other clients") and "pg background" ' +
      'is its checkpointer, WAL writer and other background processes. ' +
      '"machine stalls": wake-ups more than 50 ms late (and the latest, in ms) of a probe that sleeps 1 ms at a time at the highest priority (nice -20) during the run: the machine itself stopped, not a process of the bench (on 2-vCPU virtual machines whose host stops them for ~100 ms every few seconds while both vCPUs stay busy, none with 1.6 of them busy); every request in flight then waits that long, so a run with such stalls has a tail of ~100 ms whatever the services do. ' +
      "Every run starts with every consumer caught up (all accepted interactions applied, and no recommendation list waiting past the store delay: lists younger than that wait by design, and the store job's work on them, as under a steady load, falls in whichever run follows; the line below the table counts all of it), so no run pays for a backlog " +
      'an earlier one left; "behind at the end" is how many accepted interactions each consumer had not applied yet when ' +
      "the run's load stopped, and how long it then took until all were applied. A consumer that is behind during a run " +
      "is still working through it, with all its CPU counted in the run. Before each idle reading and for the final count every waiting list is stored at once (the bench moves its pending_since back by the delay), so the idle rates take in no store and the consumers' totals take in every list.",
    '',
    `| run | accepted/s | p50 ms | p99 ms | % answered in > 50 ms: interaction / gateway | event-loop delay p99 / max ms: interaction, gateway | PostgreSQL WAL: syncs/s / KB per interaction | non-2xx + errors | batch: mean size / queued ms / commit ms | % of batches: commit > 20 ms / commit > 50 ms / queued > 20 ms | behind at the end: ${CONSUMERS.map((c) => c.service).join(' / ')} (caught up after) | machine stalls > 50 ms | ${processes.map((p) => `${p} CPU µs/interaction (raw)`).join(' | ')} |`,
    `|---|---|---|---|---|---|---|---|---|---|---|---|${processes.map(() => '---').join('|')}|`,
    ...runs.map(
      (r) =>
        `| ${r.label} | ${perSecond(r).toFixed(0)} | ${r.p50} | ${r.p99} | ${slowCell(r)} | ${loopCell(r)} | ${walCell(r)} | ${r.failures} | ${batchCell(r)} | ${tailCell(r)} | ${behindCell(r)} | ${stallCell(r.stalls)} | ${processes.map((p) => cpuCell(r, p)).join(' | ')} |`,
    ),
    '',
    `Batched commits / one commit per request, direct max: **${(perSecond(direct) / Math.max(1, perSecond(single))).toFixed(2)}×**.`,
    `Gateway / direct, max: ${((perSecond(through) / Math.max(1, perSecond(direct))) * 100).toFixed(1)} %.`,
    '',
    `After draining (${drainSeconds.toFixed(0)} s after the last run): ${produced} interactions accepted (warm-ups included), ` +
      CONSUMERS.map((c) => `${c.service} applied ${applied[c.service]}`).join(', ') +
      `; catalog's view_count total ${views}. Lost or doubled: ${CONSUMERS.map((c) => `${c.service} ${lostOrDoubled[c.service]}`).join(', ')}.`,
    '',
    `Paced fold-ins over the whole bench (warm-ups included): ${foldInsDeferred} consumed users' fold-ins waited for the interval (recommendation_fold_ins_deferred_total), folded in by ${pacedFoldIns} paced fold-ins.`,
    '',
    `Each consumer over all measured runs and the drain (${measuredEvents} events, ${measuredSeconds.toFixed(0)} s): ` +
      CONSUMERS.map(
        (c) =>
          `${c.service} ${(consumerCpu[c.service]?.net ?? 0).toFixed(0)} µs/event (raw ${(consumerCpu[c.service]?.raw ?? 0).toFixed(0)}) and its database ${(consumerCpu[c.service]?.dbNet ?? 0).toFixed(0)} (raw ${(consumerCpu[c.service]?.dbRaw ?? 0).toFixed(0)})`,
      ).join(', ') +
      '.',
    '',
    '| metric | value | unit | target | met |',
    '|---|---|---|---|---|',
    ...metrics.map(
      (m) =>
        `| ${m.name} | ${m.value} | ${m.unit} | ${m.target || '–'} | ${m.met === null ? '–' : m.met ? 'yes' : 'no'} |`,
    ),
  ].join('\n');
  return { markdown, metrics };
}
