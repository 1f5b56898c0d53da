import { InteractionRecorded, InteractionRemoved } from '@marquee/contracts';
import type { Tx } from '@marquee/platform-db';
import { chunkState, type EventConsumer, type HandlerContext, on, startEventConsumer } from '@marquee/platform-events';
import type { ServiceDeps } from '@marquee/platform-service';
import { sql } from 'drizzle-orm';
import { CacheKeys, type CatalogCache } from '../cache/catalog-cache';
import { type CounterChange, type CounterDelta, changeThen, deltaOf, noChange } from '../domain/counter-delta';

const FETCH_MIN_BYTES = 64 * 1024;
const FETCH_MAX_WAIT_MS = 250;

/**
 * Every movie's change of the chunk in one statement: each counter becomes greatest(floor, counter + add), where
 * the events one by one would have clamped at zero (changeThen), and our_rating follows the final count and sum
 * as each event's update made it. Rows are locked in id order first, so concurrent chunks cannot deadlock.
 * Returns the ids of the movies that exist.
 */
async function applyChanges(tx: Tx, changes: Map<number, CounterChange>): Promise<number[]> {
  const rows = [...changes].map(([id, c]) => ({
    id,
    vf: c.views.floor,
    va: c.views.add,
    lf: c.likes.floor,
    la: c.likes.add,
    sf: c.ratingSum.floor,
    sa: c.ratingSum.add,
    cf: c.ratingCount.floor,
    ca: c.ratingCount.add,
  }));
  const res = await tx.execute<{ id: number }>(sql`
    with d as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as d(id int, vf int, va int, lf int, la int, sf bigint, sa bigint, cf int, ca int)
    ),
    locked as materialized (select m.id from movies m where m.id in (select id from d) order by m.id for update)
    update movies m set
      view_count = greatest(d.vf, m.view_count + d.va),
      like_count = greatest(d.lf, m.like_count + d.la),
      rating_sum = greatest(d.sf, m.rating_sum + d.sa),
      rating_count = greatest(d.cf, m.rating_count + d.ca),
      our_rating = case when greatest(d.cf, m.rating_count + d.ca) > 0
        then greatest(d.sf, m.rating_sum + d.sa)::float8 / greatest(d.cf, m.rating_count + d.ca) end
    from d
    where m.id = d.id and m.id in (select id from locked)
    returning m.id`);
  return res.rows.map((r) => r.id);
}

/**
 * Keeps view_count, like_count and our_rating (mean of 1–5 ratings) from interaction.v1, exactly once per
 * event (processed_events, same transaction). A consumed chunk's events are summed per movie and written in one
 * statement before it commits (one UPDATE per event was most of this consumer's CPU and round trips). Counter
 * changes publish no movie.upserted: one per view would flood catalog.movie.v1; consumers that need counts read
 * interaction.v1 themselves.
 */
export function startInteractionCounters(opts: {
  deps: Pick<ServiceDeps, 'kafka' | 'settings' | 'database' | 'logger' | 'metrics'>;
  cache: CatalogCache;
  fromBeginning?: boolean;
}): Promise<EventConsumer> {
  const { deps, cache } = opts;
  // The transaction's changes by movie (one consumed chunk, or one event on the slow path), written once before it commits.
  const changesOf = chunkState(
    () => new Map<number, CounterChange>(),
    async (changes, { tx, afterCommit }) => {
      const updated = await applyChanges(tx, changes);
      if (updated.length > 0)
        afterCommit(() =>
          cache.invalidateSoon(
            updated.map((id) => CacheKeys.movie(id)),
            [CacheKeys.allLists],
          ),
        );
    },
  );
  const apply = (ctx: HandlerContext, movieId: number, delta: CounterDelta | undefined): Promise<void> => {
    if (delta) {
      const changes = changesOf(ctx);
      changes.set(movieId, changeThen(changes.get(movieId) ?? noChange(), delta));
    }
    return Promise.resolve();
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
    // A chunk costs the same few statements at any size (its movies are one UPDATE), so a backlog goes in big ones.
    chunkSize: 500,
    // A fetch waits for 64 KiB of events (about a hundred interactions) or 250 ms, whichever comes first, instead of
    // answering with the first event: keeping up at 1,000 interactions/s it otherwise committed about 30 chunks a
    // second of some 30 events, each paying its statements and a WAL flush that every service's commits queue
    // behind. A view or like counted in a quiet moment shows up to 250 ms later.
    fetchMinBytes: FETCH_MIN_BYTES,
    fetchMaxWaitMs: FETCH_MAX_WAIT_MS,
    handlers: [
      on(InteractionRecorded, (data, ctx) => apply(ctx, data.movieId, deltaOf('recorded', data))),
      on(InteractionRemoved, (data, ctx) => apply(ctx, data.movieId, deltaOf('removed', data))),
    ],
  });
}
