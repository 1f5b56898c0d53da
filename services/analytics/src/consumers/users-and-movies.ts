import { MovieDeleted, MovieUpserted, UserDeleted } from '@marquee/contracts';
import type { Tx } from '@marquee/platform-db';
import { type EventConsumer, on, startEventConsumer } from '@marquee/platform-events';
import type { ServiceDeps } from '@marquee/platform-service';
import { sql } from 'drizzle-orm';

const allUsers = (tx: Tx) => tx.execute(sql`select set_config('marquee.all_users', 'on', true)`);

/**
 * user.deleted: the user's rows stay (aggregates are kept) but lose everything that points at a person —
 * user id, IP, user agent, referer and the session ids they used, so their anonymous rows of those
 * sessions are cut loose too. erased_users makes their late events arrive anonymised.
 */
const anonymiseUser = on(UserDeleted, async ({ userId }, { tx }) => {
  await allUsers(tx);
  await tx.execute(sql`insert into erased_users (user_id) values (${userId}) on conflict do nothing`);
  // Two updates of disjoint rows, so each uses its own index (user; session): under one OR the anonymous side
  // became a filter over every anonymous row of the log.
  await tx.execute(sql`
    with sessions as (
      select distinct session_id from user_activity_logs where user_id = ${userId} and session_id is not null
    ),
    anonymous as (
      update user_activity_logs set session_id = null, ip_address = null, user_agent = null, referer = null
       where user_id is null and session_id in (select session_id from sessions)
    )
    update user_activity_logs
       set user_id = null, session_id = null, ip_address = null, user_agent = null, referer = null
     where user_id = ${userId}`);
  await tx.execute(sql`delete from daily_active_users where user_id = ${userId}`);
});

const rememberTitle = on(MovieUpserted, async (m, { tx }) => {
  await tx.execute(sql`
    insert into movies (movie_id, title, deleted, updated_at) values (${m.movieId}, ${m.title}, false, now())
    on conflict (movie_id) do update set title = excluded.title, deleted = false, updated_at = now()`);
});

/** movie.deleted: the seed's SET NULL on the log and CASCADE on popularity; a tombstone drops late events' id. */
const forgetMovie = on(MovieDeleted, async ({ movieId }, { tx }) => {
  await allUsers(tx);
  await tx.execute(sql`
    insert into movies (movie_id, title, deleted, updated_at) values (${movieId}, '', true, now())
    on conflict (movie_id) do update set deleted = true, updated_at = now()`);
  await tx.execute(sql`update user_activity_logs set movie_id = null where movie_id = ${movieId}`);
  // Lists of impressions name their movies in metadata (one row per list): the movie becomes a null there, so the
  // list keeps its length. No index finds them: a scan of the kept months, for a rare admin action.
  await tx.execute(sql`
    update user_activity_logs set metadata = jsonb_set(metadata, '{movieIds}',
        (select jsonb_agg(case when v = to_jsonb(${movieId}::int4) then 'null'::jsonb else v end order by k)
           from jsonb_array_elements(metadata->'movieIds') with ordinality as e(v, k)))
     where action_type = 'recommendation_impression' and movie_id is null
       and jsonb_typeof(metadata->'movieIds') = 'array' and metadata->'movieIds' @> to_jsonb(array[${movieId}::int4])`);
  await tx.execute(sql`delete from popularity_metrics where movie_id = ${movieId}`);
});

/** Users and movies, exactly once per event (processed_events), in their own group beside the ingest. */
export function startUsersAndMoviesConsumer(
  deps: Pick<ServiceDeps, 'kafka' | 'settings' | 'database' | 'logger' | 'metrics'>,
  fromBeginning = true,
): Promise<EventConsumer> {
  // Topics follow the handlers' events: auth.user and catalog.movie.
  return startEventConsumer({
    kafka: deps.kafka,
    settings: deps.settings,
    database: deps.database,
    logger: deps.logger,
    metrics: deps.metrics,
    groupId: 'analytics-entities',
    fromBeginning,
    handlers: [anonymiseUser, rememberTitle, forgetMovie],
  });
}
