import { type Envelope, InteractionRecorded, InteractionRemoved, type Static, Topics } from '@marquee/contracts';
import type { Tx } from '@marquee/platform-db';
import { type EventConsumer, startEventConsumer } from '@marquee/platform-events';
import type { ServiceDeps } from '@marquee/platform-service';
import { sql } from 'drizzle-orm';
import { CacheKeys, type CatalogCache } from '../cache/catalog-cache';

type Recorded = Static<typeof InteractionRecorded.schema>;
type Removed = Static<typeof InteractionRemoved.schema>;

interface CounterDelta {
  views: number;
  likes: number;
  ratingSum: number;
  ratingCount: number;
}

/** How one interaction event moves a movie's counters; pure, so the rules read in one place. */
export function deltaOf(kind: 'recorded' | 'removed', i: Recorded | Removed): CounterDelta | undefined {
  const sign = kind === 'recorded' ? 1 : -1;
  switch (i.interactionType) {
    case 'view':
      return { views: sign, likes: 0, ratingSum: 0, ratingCount: 0 };
    case 'like':
      return { views: 0, likes: sign, ratingSum: 0, ratingCount: 0 };
    case 'rating': {
      if (i.rating === null) return undefined;
      const previous = kind === 'recorded' ? (i as Recorded).previousRating : null;
      // A changed rating moves the sum, not the count.
      if (previous !== null) return { views: 0, likes: 0, ratingSum: i.rating - previous, ratingCount: 0 };
      return { views: 0, likes: 0, ratingSum: sign * i.rating, ratingCount: sign };
    }
    default:
      return undefined;
  }
}

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
  deps: Pick<ServiceDeps, 'kafka' | 'settings' | 'database' | 'logger'>;
  cache: CatalogCache;
  fromBeginning?: boolean;
}): Promise<EventConsumer> {
  const { deps, cache } = opts;
  const handle =
    (kind: 'recorded' | 'removed') =>
    async (event: Envelope, { tx }: { tx: Tx }) => {
      const data = event.data as Recorded | Removed;
      const delta = deltaOf(kind, data);
      if (!delta) return;
      if (await applyDelta(tx, data.movieId, delta))
        cache.invalidateSoon([CacheKeys.movie(data.movieId)], [CacheKeys.allLists]);
    };
  return startEventConsumer({
    kafka: deps.kafka,
    settings: deps.settings,
    database: deps.database,
    logger: deps.logger,
    // Prefixed like the topics: deployments (and test runs) sharing a broker must not share a group, or
    // the group's assignment hands one member's partitions to another that does not read that topic.
    groupId: 'catalog',
    topics: [Topics.interaction],
    fromBeginning: opts.fromBeginning ?? true,
    handlers: { [InteractionRecorded.type]: handle('recorded'), [InteractionRemoved.type]: handle('removed') },
  });
}
