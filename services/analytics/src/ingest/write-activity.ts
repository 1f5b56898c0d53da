import type { PoolClient } from 'pg';
import type { ActivityRow } from '../domain/activity-rows';
import type { IpPolicy } from '../domain/ip-policy';
import { type AcceptedRow, metricDeltasOf } from '../domain/metric-deltas';

const INSERT_LOGS = `
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
  from unnest($1::uuid[], $2::int2[], $3::uuid[], $4::text[], $5::text[], $6::int4[], $7::text[], $8::text[],
              $9::text[], $10::text[], $11::jsonb[], $12::timestamptz[])
       as v(event_id, event_seq, user_id, session_id, action_type, movie_id, ip_address, user_agent, referer,
            source, metadata, occurred_at)
  left join erased_users e on e.user_id = v.user_id
  left join movies m on m.movie_id = v.movie_id and m.deleted
on conflict do nothing
returning action_type as "actionType", movie_id as "movieId", to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') as date,
          user_id as "userId", (metadata->>'rating')::int as rating, metadata->>'algorithm' as algorithm,
          metadata->>'variant' as variant`;

const UPSERT_POPULARITY = `
insert into popularity_metrics (movie_id, date, view_count, like_count, rating_count, rating_sum, recommendation_count, click_count)
select * from unnest($1::int4[], $2::date[], $3::int4[], $4::int4[], $5::int4[], $6::int8[], $7::int4[], $8::int4[])
on conflict (movie_id, date) do update set
  view_count = popularity_metrics.view_count + excluded.view_count,
  like_count = popularity_metrics.like_count + excluded.like_count,
  rating_count = popularity_metrics.rating_count + excluded.rating_count,
  rating_sum = popularity_metrics.rating_sum + excluded.rating_sum,
  recommendation_count = popularity_metrics.recommendation_count + excluded.recommendation_count,
  click_count = popularity_metrics.click_count + excluded.click_count`;

const UPSERT_CTR = `
insert into recommendation_ctr_daily (date, algorithm, variant, impressions, clicks)
select * from unnest($1::date[], $2::text[], $3::text[], $4::int4[], $5::int4[])
on conflict (date, algorithm, variant) do update set
  impressions = recommendation_ctr_daily.impressions + excluded.impressions,
  clicks = recommendation_ctr_daily.clicks + excluded.clicks`;

const INSERT_ACTIVE = `
insert into daily_active_users (date, user_id)
select * from unnest($1::date[], $2::uuid[])
on conflict do nothing
returning to_char(date, 'YYYY-MM-DD') as date`;

const UPSERT_DAILY = `
insert into daily_activity (date, events, active_users)
select * from unnest($1::date[], $2::int8[], $3::int4[])
on conflict (date) do update set
  events = daily_activity.events + excluded.events,
  active_users = daily_activity.active_users + excluded.active_users`;

/**
 * Writes rows into the log and moves the daily metrics by exactly the rows that were new, in the
 * caller's transaction (which must see all users' rows). A redelivered event conflicts on its key,
 * inserts nothing and so counts nothing. Returns how many rows were new.
 */
export async function writeActivity(client: PoolClient, rows: ActivityRow[], ip: IpPolicy): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await client.query<AcceptedRow>(INSERT_LOGS, [
    rows.map((r) => r.eventId),
    rows.map((r) => r.seq),
    rows.map((r) => r.userId),
    rows.map((r) => r.sessionId),
    rows.map((r) => r.actionType),
    rows.map((r) => r.movieId),
    rows.map((r) => ip.protect(r.ipPrefix)),
    rows.map((r) => r.userAgent),
    rows.map((r) => r.referer),
    rows.map((r) => r.source),
    rows.map((r) => JSON.stringify(r.metadata)),
    rows.map((r) => r.occurredAt.toISOString()),
  ]);
  const deltas = metricDeltasOf(inserted.rows);
  const p = deltas.popularity;
  if (p.length > 0) {
    await client.query(UPSERT_POPULARITY, [
      p.map((d) => d.movieId),
      p.map((d) => d.date),
      p.map((d) => d.views),
      p.map((d) => d.likes),
      p.map((d) => d.ratingCount),
      p.map((d) => d.ratingSum),
      p.map((d) => d.impressions),
      p.map((d) => d.clicks),
    ]);
  }
  const c = deltas.ctr;
  if (c.length > 0) {
    await client.query(UPSERT_CTR, [
      c.map((d) => d.date),
      c.map((d) => d.algorithm),
      c.map((d) => d.variant),
      c.map((d) => d.impressions),
      c.map((d) => d.clicks),
    ]);
  }
  const newlyActive = new Map<string, number>();
  if (deltas.activeUsers.length > 0) {
    const res = await client.query<{ date: string }>(INSERT_ACTIVE, [
      deltas.activeUsers.map((a) => a.date),
      deltas.activeUsers.map((a) => a.userId),
    ]);
    for (const r of res.rows) newlyActive.set(r.date, (newlyActive.get(r.date) ?? 0) + 1);
  }
  // Last: one hot row per day, so its lock is held for the shortest time before commit.
  if (deltas.events.length > 0) {
    await client.query(UPSERT_DAILY, [
      deltas.events.map((d) => d.date),
      deltas.events.map((d) => d.events),
      deltas.events.map((d) => newlyActive.get(d.date) ?? 0),
    ]);
  }
  return inserted.rows.length;
}
