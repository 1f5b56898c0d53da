import type { PoolClient } from 'pg';
import type { ActivityRow } from '../domain/activity-rows';
import type { IpPolicy } from '../domain/ip-policy';
import { CTR_COUNTS, CTR_ROWS, EVENT_COUNT, LIST_IDS, POPULARITY_COUNTS, POPULARITY_HAVING } from './metric-rules';
import { wireRecords } from './wire-rows';

/**
 * One statement (one round trip): insert the rows, then move every daily table by exactly the rows that were new
 * (a list of impressions counts once per movie, in popularity_metrics when the fold runs: metric-rules.ts). An
 * event is one row, so one probe of its key finds a redelivery, which inserts and counts nothing; a writer racing
 * another for the same event fails on the key (23505) and the consumer writes that chunk again one event at a time.
 * Upserts go in (day, key) order so concurrent batches lock rows in one order and cannot deadlock.
 * The caller's transaction must act for all users (marquee.all_users): the log and erased_users are user-owned.
 */
export const WRITE_SQL = `
with ins as (
  insert into user_activity_logs
    (event_id, event_seq, user_id, session_id, action_type, movie_id, ip_address, user_agent, referer, source, metadata, occurred_at)
  select x.e, coalesce(x.q, 0),
         case when e.user_id is null then x.u end,
         case when e.user_id is null then x.s end,
         x.a,
         case when x.m not in (select movie_id from movies where deleted) then x.m end,
         case when e.user_id is null then x.i end,
         case when e.user_id is null then x.g end,
         case when e.user_id is null then x.r end,
         x.o,
         -- A list's movies, a deleted one as a null. Both tests of "deleted" are one hashed set per statement over
         -- movies_deleted_idx (joined per list instead, PostgreSQL read all 9,742 movies once per list: half of the
         -- list's cost in pnpm bench analytics-write-cost).
         case when x.a = 'recommendation_impression' and jsonb_typeof(x.d->'movieIds') = 'array'
                   and exists (select from movies where deleted)
              then jsonb_set(x.d, '{movieIds}', (
                select jsonb_agg(case when (v #>> '{}')::int4 not in (select movie_id from movies where deleted) then v
                                      else 'null' end order by k)
                  from jsonb_array_elements(x.d->'movieIds') with ordinality as l(v, k)))
              else x.d end,
         x.t
    from jsonb_to_recordset($1::jsonb)
         as x(e uuid, q int2, u uuid, s text, a text, m int4, i text, g text, r text, o text, d jsonb, t timestamptz)
    left join erased_users e on e.user_id = x.u
    -- The redelivery probe, one key lookup per row. As a NOT EXISTS the planner was free to turn it into a hash anti
    -- join over a seq scan of the month's whole partition, and did: the row-level-security filter makes it estimate
    -- a handful of rows there, and the plan is cached per connection, so every chunk read the month so far (cost
    -- growing all month). A lateral subquery with LIMIT 1 can only be a lookup per row.
    left join lateral (select true as seen from user_activity_logs l
                        where l.event_id = x.e and l.event_seq = coalesce(x.q, 0::int2) and l.occurred_at = x.t
                        limit 1) d on true
   where d.seen is null
  returning action_type, movie_id, (occurred_at at time zone 'UTC')::date as day, user_id,
            (metadata->>'rating')::int as rating, metadata->>'algorithm' as algorithm,
            coalesce(metadata->>'variant', '') as variant, ${LIST_IDS} as ids
),
metric as (select *, coalesce(jsonb_array_length(ids), 1) as n from ins),
-- A list's movies wait for the fold (src/jobs/fold-impressions.ts), which counts each movie once per run.
pending as (
  insert into impressions_pending (day, movie_ids) select day, ids from ins where ids is not null
),
popularity as (
  insert into popularity_metrics
    (movie_id, date, view_count, like_count, rating_count, rating_sum, recommendation_count, click_count)
  select movie_id, day, ${POPULARITY_COUNTS}
    from metric where movie_id is not null and ids is null
   group by day, movie_id having ${POPULARITY_HAVING}
   order by day, movie_id
  on conflict (movie_id, date) do update set
    view_count = popularity_metrics.view_count + excluded.view_count,
    like_count = popularity_metrics.like_count + excluded.like_count,
    rating_count = popularity_metrics.rating_count + excluded.rating_count,
    rating_sum = popularity_metrics.rating_sum + excluded.rating_sum,
    recommendation_count = popularity_metrics.recommendation_count + excluded.recommendation_count,
    click_count = popularity_metrics.click_count + excluded.click_count
),
ctr as (
  insert into recommendation_ctr_daily (date, algorithm, variant, impressions, clicks)
  select day, algorithm, variant, ${CTR_COUNTS}
    from metric where ${CTR_ROWS}
   group by day, algorithm, variant
   order by day, algorithm, variant
  on conflict (date, algorithm, variant) do update set
    impressions = recommendation_ctr_daily.impressions + excluded.impressions,
    clicks = recommendation_ctr_daily.clicks + excluded.clicks
),
active as (
  insert into daily_active_users (user_id, date)
  select distinct user_id, day from ins where user_id is not null order by 1, 2
  on conflict do nothing
  returning date
),
daily as (
  insert into daily_activity (date, events, active_users)
  select e.day, e.events, coalesce(a.users, 0)
    from (select day, ${EVENT_COUNT} as events from metric group by day) e
    left join (select date, count(*) as users from active group by date) a on a.date = e.day
   order by e.day
  on conflict (date) do update set
    events = daily_activity.events + excluded.events,
    active_users = daily_activity.active_users + excluded.active_users
)
select count(*)::int as accepted from ins`;

/**
 * Writes rows into the log and the daily metrics; returns how many rows were new. The rows travel as one JSON
 * parameter (wire-rows.ts): one native stringify instead of a dozen arrays escaped element by element (the
 * consumer's CPU).
 */
export async function writeActivity(db: Pick<PoolClient, 'query'>, rows: ActivityRow[], ip: IpPolicy): Promise<number> {
  if (rows.length === 0) return 0;
  // Prepared once per connection: planned afresh, the probe across every partition of the log cost more than a
  // small chunk's inserts.
  const { rows: result } = await db.query<{ accepted: number }>({
    name: 'analytics-write-activity',
    text: WRITE_SQL,
    values: [JSON.stringify(wireRecords(rows, ip))],
  });
  return result[0]?.accepted ?? 0;
}
