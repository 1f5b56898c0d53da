import type { NatsConnection } from '@marquee/platform-bus';
import type { Redis } from '@marquee/platform-cache';
import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import type { Registry } from '@marquee/platform-metrics';
import { sql } from 'drizzle-orm';
import type { RecommendationConfig } from './config';
import { parseExperiments, type Variant } from './domain/experiments';
import { FoldInPacer } from './domain/fold-in-pacer';
import { ModelStore } from './model/model-store';
import { ListCache } from './recommend/list-cache';

/** What the use cases need, built once per process. */
export interface RecommendationContext {
  config: RecommendationConfig;
  database: Database;
  logger: Logger;
  /** The service's one registry, served at /metrics. */
  metrics: Registry;
  redis: Redis;
  /** The writes and deletions of cached lists after a commit, kept through a Redis outage (list-cache.ts). */
  lists: ListCache;
  nats: NatsConnection;
  store: ModelStore;
  /**
   * Whether fold-ins here keep each user's content scores for their next one (ContentBased.score with a key): only
   * in a process that runs the consumers, which hears user.deleted and forgets the user's kept scores at once (an
   * api process would keep an erased user's until they aged out).
   */
  keepsFoldIns: boolean;
  /**
   * Which of the consumer's users to fold in now and which wait (RECOMMENDATION_FOLD_IN_INTERVAL_MS above
   * RECOMMENDATION_FOLD_IN_PACE_ABOVE fold-ins a second; an interval of 0 with no store delay, as the waiting users'
   * markers are what a lost wait falls back on).
   */
  pacer: FoldInPacer;
  variants: Variant[];
  /** Genre id → name from the catalog's snapshots (reasons and the genre filter's validation). */
  genreNames(): Promise<Map<number, string>>;
}

export function createContext(
  config: RecommendationConfig,
  deps: { database: Database; logger: Logger; redis: Redis; nats: NatsConnection; metrics: Registry },
  options: { keepsFoldIns: boolean },
): RecommendationContext {
  let genres: { at: number; names: Map<number, string> } | null = null;
  return {
    config,
    ...deps,
    lists: new ListCache(deps.redis),
    store: new ModelStore(deps.database, deps.logger, config.DATABASE_URL),
    keepsFoldIns: options.keepsFoldIns,
    pacer: new FoldInPacer(config.RECOMMENDATION_STORE_DELAY_MS === 0 ? 0 : config.RECOMMENDATION_FOLD_IN_INTERVAL_MS, {
      paceAbovePerSecond: config.RECOMMENDATION_FOLD_IN_PACE_ABOVE,
    }),
    variants: parseExperiments(config.RECOMMENDATION_EXPERIMENTS),
    async genreNames() {
      // Genres change only with catalog imports: a second-old copy is fresh enough.
      if (genres && Date.now() - genres.at < 1000) return genres.names;
      const rows = await deps.database.db.execute<{ genre_id: number; name: string }>(
        sql`select genre_id, name from rec_genres`,
      );
      genres = { at: Date.now(), names: new Map(rows.rows.map((r) => [r.genre_id, r.name])) };
      return genres.names;
    },
  };
}
