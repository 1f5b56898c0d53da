import type { Static, TrendingUpdated } from '@marquee/contracts';
import type { HandlerContext } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import type { NotificationConfig } from '../config';
import { allUsersIn } from '../db/user-scope';

type Trending = Static<typeof TrendingUpdated.schema>;

/**
 * trending.updated: once per day's list, every user who opted in (email: trending_alerts; push:
 * push_trending and a known device) gets the top movies, within the daily cap, in one statement.
 */
export function alertOnTrending(
  config: Pick<NotificationConfig, 'ALERT_MAX_ITEMS' | 'ALERT_DAILY_CAP' | 'ALERT_MAX_AGE_HOURS'>,
) {
  return async (data: Trending, { tx, logger }: HandlerContext): Promise<void> => {
    // A day's list is stale once that day has ended more than the allowed age ago.
    if (Date.now() - (Date.parse(`${data.date}T00:00:00Z`) + 86_400_000) > config.ALERT_MAX_AGE_HOURS * 3_600_000)
      return;
    await allUsersIn(tx);
    const first = await tx.execute(
      sql`insert into alerted_trending_dates (day) values (${data.date}) on conflict do nothing`,
    );
    if ((first.rowCount ?? 0) === 0 || config.ALERT_DAILY_CAP === 0) return;
    const movieIds = [...data.movies]
      .sort((a, b) => a.rank - b.rank)
      .slice(0, config.ALERT_MAX_ITEMS)
      .map((m) => m.movieId);
    if (movieIds.length === 0) return;
    const payload = JSON.stringify({ movieIds, date: data.date });
    const res = await tx.execute(sql`
      with eligible as (
        select p.user_id, p.timezone, p.trending_alerts as email, (p.push_trending and r.device_type is not null) as push
        from notification_preferences p left join recipients r on r.user_id = p.user_id
        where p.trending_alerts or (p.push_trending and r.device_type is not null)
      ), allowed as (
        insert into alert_counts (user_id, day, sent)
        select user_id, (now() at time zone timezone)::date, 1 from eligible
        on conflict (user_id, day) do update set sent = alert_counts.sent + 1 where alert_counts.sent < ${config.ALERT_DAILY_CAP}
        returning user_id
      )
      insert into notification_logs (id, user_id, notification_type, kind, payload)
      select gen_random_uuid(), e.user_id, c.channel, 'trending_alert', ${payload}::jsonb
      from eligible e join allowed a using (user_id)
      cross join lateral (select 'email' as channel where e.email union all select 'push' where e.push) c`);
    logger.info({ date: data.date, queued: res.rowCount, event: 'trending_alerts_queued' }, 'trending alerts queued');
  };
}
