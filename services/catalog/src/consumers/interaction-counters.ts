import { InteractionRecorded, InteractionRemoved } from '@marquee/contracts';
import type { Tx } from '@marquee/platform-db';
import { type EventConsumer, on, startEventConsumer } from '@marquee/platform-events';
import type { ServiceDeps } from '@marquee/platform-service';
import { sql } from 'drizzle-orm';
import { CacheKeys, type CatalogCache } from '../cache/catalog-cache';
import { type CounterDelta, deltaOf } from '../domain/counter-delta';

async function applyDelta(tx: Tx, movieId: number, d: CounterDelta): Promise<boolean> {
  const res = await tx.execute(sql`
    update movies set
      view_count = greatest(0, view_count + ${d.views}::int),
      like_count = greatest(0, like_count + ${d.likes}::int),
      rating_sum = greatest(0, rating_sum + ${d.ratingSum}::bigint),
      rating_count = greatest(0, rating_count + ${d.ratingCount}::int),
      our_rating = case when rating_count + ${d.ratingCount}::int > 0
        then greatest(0, rating_sum + ${d.ratingSum}::bigint)::float8 / (rating_count + ${d.ratingCount}::int) end
    where id = ${movieId}
    returning id`);
  return res.rows.length > 0;
}

/**
 * Keeps view_count, like_count and our_rating (mean of 1–5 ratings) from interaction.v1, exactly once per
 * event (processed_events, same transaction). Counter changes publish no movie.upserted: one per view would
 * flood catalog.movie.v1; consumers that need counts read interaction.v1 themselves.
 */
export function startInteractionCounters(opts: {
  deps: Pick<ServiceDeps, 'kafka' | 'settings' | 'database' | 'logger' | 'metrics'>;
  cache: CatalogCache;
  fromBeginning?: boolean;
}): Promise<EventConsumer> {
  const { deps, cache } = opts;
  const apply = async (tx: Tx, movieId: number, delta: CounterDelta | undefined) => {
    if (delta && (await applyDelta(tx, movieId, delta)))
      cache.invalidateSoon([CacheKeys.movie(movieId)], [CacheKeys.allLists]);
  };
  return startEventConsumer({
    kafka: deps.kafka,
    settings: deps.settings,
    database: deps.database,
    logger: deps.logger,
    metrics: deps.metrics,
    // Prefixed like the topics: deployments (and test runs) sharing a broker must not share a group, or
    // the group's assignment hands one member's partitions to another that does not read that topic.
    groupId: 'catalog',
    fromBeginning: opts.fromBeginning ?? true,
    handlers: [
      on(InteractionRecorded, (data, { tx }) => apply(tx, data.movieId, deltaOf('recorded', data))),
      on(InteractionRemoved, (data, { tx }) => apply(tx, data.movieId, deltaOf('removed', data))),
    ],
  });
}
