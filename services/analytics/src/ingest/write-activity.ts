import type { PoolClient } from 'pg';
import type { ActivityRow } from '../domain/activity-rows';
import type { IpPolicy } from '../domain/ip-policy';
import { CTR_COUNTS, CTR_ROWS, POPULARITY_COUNTS, POPULARITY_HAVING } from './metric-rules';

/**
 * One statement (one round trip): insert the rows, then move every daily table by
 * exactly the rows that were new. A redelivered event conflicts on its key, inserts nothing and so counts
 * nothing. Upserts go in (day, key) order so concurrent batches lock rows in one order and cannot deadlock.
 * The caller's transaction must act for all users (marquee.all_users): the log and erased_users are user-owned.
 */
const WRITE = `
with ins as (
  insert into user_activity_logs
    (event_id, event_seq, user_id, session_id, action_type, movie_id, ip_address, user_agent, referer, source, metadata, occurred_at)
  select v.event_id, v.event_seq,
         case when e.user_id is null then v.user_id end,
         case when e.user_id is null then v.session_id end,
         v.action_type,
         case when m.movie_id is null then v.movie_id end,
         case when e.user_id is null then v.ip_address end,
         case when e.user_id is null then v.user_agent end,
         case when e.user_id is null then v.referer end,
         v.source, v.metadata, v.occurred_at
    from (select x.e as event_id, coalesce(x.q, 0) as event_seq, x.u as user_id, x.s as session_id,
                 x.a as action_type, x.m as movie_id, x.i as ip_address, x.g as user_agent, x.r as referer,
                 x.o as source, x.d as metadata, x.t as occurred_at
            from json_to_recordset($1::json)
                 as x(e uuid, q int2, u uuid, s text, a text, m int4, i text, g text, r text, o text, d jsonb,
                      t timestamptz)) v
    left join erased_users e on e.user_id = v.user_id
    left join movies m on m.movie_id = v.movie_id and m.deleted
  on conflict do nothing
  returning action_type, movie_id, (occurred_at at time zone 'UTC')::date as day, user_id,
            (metadata->>'rating')::int as rating, metadata->>'algorithm' as algorithm,
            coalesce(metadata->>'variant', '') as variant
),
popularity as (
  insert into popularity_metrics
    (movie_id, date, view_count, like_count, rating_count, rating_sum, recommendation_count, click_count)
  select movie_id, day, ${POPULARITY_COUNTS}
    from ins where movie_id is not null
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
    from ins where ${CTR_ROWS}
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
    from (select day, count(*) as events from ins group by day) e
    left join (select date, count(*) as users from active group by date) a on a.date = e.day
   order by e.day
  on conflict (date) do update set
    events = daily_activity.events + excluded.events,
    active_users = daily_activity.active_users + excluded.active_users
)
select count(*)::int as accepted from ins`;

const UNSTORABLE = /[\0\ud800-\udfff]/;
const NUL_OR_LONE_SURROGATE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text PostgreSQL can hold: NUL dropped, a lone surrogate (which its JSON parser refuses) replaced by U+FFFD. */
export function storableText(s: string | null): string | null {
  if (s === null || !UNSTORABLE.test(s)) return s;
  return s.replace(NUL_OR_LONE_SURROGATE, (c) => (c === '\0' ? '' : '\ufffd'));
}

/** One row as the statement reads it: one-letter keys, and a null or a seq of 0 left out (read back as such). */
interface WireRow {
  e: string;
  q?: number;
  u?: string;
  s?: string;
  a: string;
  m?: number;
  i?: string;
  g?: string;
  r?: string;
  o?: string;
  d: Record<string, unknown>;
  t: Date;
}

/**
 * Writes rows into the log and the daily metrics; returns how many rows were new. The rows travel as one JSON
 * parameter: one native stringify instead of a dozen arrays escaped element by element (the consumer's CPU), with
 * one-letter keys and no nulls: an impression row (a list of 50 makes 50) is ~240 characters instead of ~375.
 */
export async function writeActivity(db: Pick<PoolClient, 'query'>, rows: ActivityRow[], ip: IpPolicy): Promise<number> {
  if (rows.length === 0) return 0;
  const records = rows.map((r) => {
    const w: WireRow = { e: r.eventId, a: r.actionType, d: r.metadata, t: r.occurredAt };
    if (r.seq !== 0) w.q = r.seq;
    if (r.userId !== null) w.u = r.userId;
    const session = storableText(r.sessionId);
    if (session !== null) w.s = session;
    if (r.movieId !== null) w.m = r.movieId;
    const address = ip.protect(r.ipPrefix);
    if (address !== null) w.i = address;
    const agent = storableText(r.userAgent);
    if (agent !== null) w.g = agent;
    const referer = storableText(r.referer);
    if (referer !== null) w.r = referer;
    if (r.source !== null) w.o = r.source;
    return w;
  });
  const { rows: result } = await db.query<{ accepted: number }>(WRITE, [JSON.stringify(records)]);
  return result[0]?.accepted ?? 0;
}
