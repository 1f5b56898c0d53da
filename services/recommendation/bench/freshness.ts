// Freshness end to end, as deployed: catalog, interaction, recommendation and gateway each run as their own
// process (NODE_ENV=production, own database, application role). The MovieLens demo community is loaded through
// the interaction service's bulk import (the path `demo-community` replays it through), the model is retrained on
// it, then each sample rates a demo user's top recommendation through the gateway and reads the list through the
// gateway until that movie has left it: PUT → outbox → relay → Kafka → consumer fold-in → PostgreSQL + Redis → GET.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { startTestIssuer } from '@marquee/platform-auth';
import {
  type BenchProcess,
  cpuMs,
  interactionSecrets,
  queryOne,
  serviceDatabase,
  startService,
  stopAll,
} from '../../interaction/bench/bench-processes';
import { catalogIdsByMovielensId } from '../../interaction/src/community/marquee-client';
import { ratingImportRow, readRatings } from '../../interaction/src/community/movielens-ratings';

/** For comparing: recommendation's RECOMMENDATION_FOLD_IN_PACE_ABOVE (0: paced at every rate, the second rating waits). */
export const PACE_ABOVE_OVERRIDE = process.env.BENCH_RECOMMENDATION_FOLD_IN_PACE_ABOVE;

export interface FreshnessResult {
  lines: string[];
  samples: number[];
  failures: number;
  /** The same users' second ratings, each made as soon as the first one showed (within the fold-in interval). */
  again: number[];
  againFailures: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`freshness bench: timed out waiting for ${what}`);
    await sleep(250);
  }
}

interface ListBody {
  generatedAt: string;
  items: { movieId: number }[];
}

export async function runFreshness(dataDir: string, samples: number): Promise<FreshnessResult> {
  const tag = `${Date.now().toString(36)}`;
  const prefix = `recfresh-${tag}.`;
  const issuer = await startTestIssuer();
  const common = { KAFKA_TOPIC_PREFIX: prefix, AUTH_JWKS_URL: issuer.jwksUrl, MARQUEE_DATA_DIR: dataDir };
  const lines: string[] = [];
  try {
    const catalogDb = await serviceDatabase('catalog');
    const catalog = await startService('catalog', {
      ...common,
      ...catalogDb.env,
      CACHE_KEY_PREFIX: `${prefix}catalog:`,
    });
    const recDb = await serviceDatabase('recommendation');
    const rec = await startService('recommendation', {
      ...common,
      ...recDb.env,
      CACHE_KEY_PREFIX: `${prefix}recommendation:`,
      NATS_SUBJECT_PREFIX: prefix,
      ...(PACE_ABOVE_OVERRIDE === undefined ? {} : { RECOMMENDATION_FOLD_IN_PACE_ABOVE: PACE_ABOVE_OVERRIDE }),
    });
    const interactionDb = await serviceDatabase('interaction');
    const interaction: BenchProcess = await startService('interaction', {
      ...common,
      ...interactionDb.env,
      ...interactionSecrets(),
      CATALOG_URL: catalog.base,
    });
    const gateway = await startService('gateway', {
      ...common,
      INTERACTION_URL: interaction.base,
      CATALOG_URL: catalog.base,
      RECOMMENDATION_URL: rec.base,
      AUTH_URL: '',
      REDIS_KEY_PREFIX: `${prefix}gateway:`,
      // The samples poll every 10 ms as one user.
      RATE_LIMIT_PER_MINUTE: '100000',
    });
    const count = (url: string, q: string) => queryOne<{ n: number }>(url, q).then((r) => r.n);
    const movies = await count(catalogDb.adminUrl, 'select count(*)::int as n from movies');
    await until('the interaction and recommendation services to know every movie', 300_000, async () =>
      (await count(interactionDb.adminUrl, 'select count(*)::int as n from known_movies')) >= movies &&
      (await count(recDb.adminUrl, 'select count(*)::int as n from rec_movies')) >= movies
        ? true
        : undefined,
    );

    // The demo community: its 610 users (ids from the local issuer instead of auth accounts) and every rating,
    // through the admin bulk import in batches of 1,000, two at a time, as the demo-community command sends them.
    const admin = { authorization: `Bearer ${await issuer.sign({ sub: randomUUID(), role: 'admin' })}` };
    const ratings = await readRatings(dataDir);
    const userIds = new Map([...new Set(ratings.map((r) => r.userId))].map((n) => [n, randomUUID()]));
    const catalogIds = await catalogIdsByMovielensId({ auth: '', catalog: catalog.base, interaction: '' });
    const rows = ratings.flatMap((r) => {
      const movieId = catalogIds.get(r.movieId);
      return movieId === undefined ? [] : [ratingImportRow(r, userIds.get(r.userId), movieId)];
    });
    const applied = () =>
      count(recDb.adminUrl, "select count(*)::int as n from processed_events where event_type like 'interaction.%'");
    const appliedBefore = await applied();
    const cpuBefore = cpuMs(rec.pid as number);
    const loadStarted = performance.now();
    let recorded = 0;
    let next = 0;
    const lane = async () => {
      for (let i = next++ * 1000; i < rows.length; i = next++ * 1000) {
        const res = await fetch(`${interaction.base}/v1/admin/interactions/import`, {
          method: 'POST',
          headers: { ...admin, 'content-type': 'application/json' },
          body: JSON.stringify({ items: rows.slice(i, i + 1000) }),
        });
        if (!res.ok) throw new Error(`import failed: ${res.status} ${(await res.text()).slice(0, 300)}`);
        recorded += ((await res.json()) as { recorded: number }).recorded;
      }
    };
    await Promise.all([lane(), lane()]);
    const importSeconds = (performance.now() - loadStarted) / 1000;
    await until('the recommendation consumer to apply the community', 1_800_000, async () =>
      (await applied()) - appliedBefore >= recorded ? true : undefined,
    );
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const cpuPerEvent = ((cpuMs(rec.pid as number) - cpuBefore) * 1000) / Math.max(1, recorded);
    lines.push(
      `Demo community: ${userIds.size} users, ${rows.length} ratings (${ratings.length - rows.length} unmapped), ` +
        `${recorded} recorded through POST /v1/admin/interactions/import in ${importSeconds.toFixed(1)} s; the ` +
        `recommendation consumer had applied all of them ${loadSeconds.toFixed(1)} s after the import began ` +
        `(${cpuPerEvent.toFixed(0)} µs of its CPU per event, idle included).`,
    );

    // The model trained on the community (a full retrain by command, as the schedule would run it).
    const modelUrl = `${rec.base}/v1/admin/recommendations/model`;
    const model = async () =>
      (await (await fetch(modelUrl, { headers: admin })).json()) as {
        version: number | null;
        training: unknown;
        versions: { id: number; users: number; items: number; interactions: number; train_ms: number }[];
      };
    const before = (await model()).version;
    const trained = await fetch(`${modelUrl}/train`, { method: 'POST', headers: admin });
    if (trained.status !== 202) throw new Error(`retrain refused: ${trained.status}`);
    const status = await until('the retrain', 600_000, async () => {
      const m = await model();
      return m.training === null && m.version !== before ? m : undefined;
    });
    const v = status.versions.find((x) => x.id === status.version);
    lines.push(
      `Model version ${status.version} trained on it: ${v?.users} users, ${v?.items} movies, ${v?.interactions} interactions, ` +
        `${((v?.train_ms ?? 0) / 1000).toFixed(1)} s.`,
    );

    // Samples: a demo user reads their list through the gateway, rates its first movie 5 through the gateway,
    // then reads again every 10 ms until that movie has left the list (a rated movie is never recommended).
    const api = `${gateway.base}/api/v1`;
    const users = [...userIds.values()];
    const times: number[] = [];
    const accepts: number[] = [];
    /** A second rating right after the first one showed: within the fold-in interval, paced only under load. */
    const again: number[] = [];
    let againFailures = 0;
    let failures = 0;
    let emptyLists = 0;
    let readErrors = 0;
    for (let k = 0; times.length + failures < samples && k < samples * 2; k++) {
      const userId = users[(k * 37) % users.length] as string;
      const auth = { authorization: `Bearer ${await issuer.sign({ sub: userId, role: 'user' })}` };
      const read = async () => {
        const res = await fetch(`${api}/me/recommendations`, { headers: auth });
        if (res.ok) return (await res.json()) as ListBody;
        // Not fatal (a sample that never sees its change counts as a failure): said, and read again.
        readErrors += 1;
        process.stderr.write(`freshness: GET recommendations answered ${res.status} ${await res.text()}\n`);
        return null;
      };
      const top = (await read())?.items[0]?.movieId;
      if (top === undefined) {
        emptyLists += 1;
        continue;
      }
      await sleep(200);
      // Rates the movie 5 through the gateway and reads until it has left the list: ms from the PUT, or null.
      const rateAndWait = async (movieId: number): Promise<number | null> => {
        const started = performance.now();
        const put = await fetch(`${api}/me/interactions/${movieId}/rating`, {
          method: 'PUT',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ rating: 5 }),
        });
        if (put.status !== 201 && put.status !== 200) {
          process.stderr.write(`freshness: PUT rating answered ${put.status} ${await put.text()}\n`);
          return null;
        }
        accepts.push(performance.now() - started);
        while (performance.now() - started < 30_000) {
          const list = await read();
          if (list && !list.items.some((i) => i.movieId === movieId)) return performance.now() - started;
          await sleep(10);
        }
        return null;
      };
      const first = await rateAndWait(top);
      if (first === null) {
        failures += 1;
        continue;
      }
      times.push(first);
      // At once a second rating, the new list's first movie: within the fold-in interval of the first, so under load
      // its fold-in would wait for the interval to pass (paced fold-ins); one user at a time is no load.
      const next = (await read())?.items[0]?.movieId;
      if (next === undefined) continue;
      const second = await rateAndWait(next);
      if (second === null) againFailures += 1;
      else again.push(second);
    }
    const sorted = [...accepts].sort((a, b) => a - b);
    lines.push(
      `Accept latency of the PUTs through the gateway: median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} ms` +
        `${emptyLists > 0 ? `; ${emptyLists} demo users with an empty list were passed over` : ''}` +
        `; ${readErrors} GET answered other than 200.`,
    );
    return { lines, samples: times, failures, again, againFailures };
  } finally {
    await stopAll();
    await issuer.close();
  }
}

export const defaultDataDir = (here: string) => path.resolve(here, '../../../../shared/datasets');
