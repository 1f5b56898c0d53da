import type { RecommendationsGenerated, Static } from '@marquee/contracts';
import type { HandlerContext } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import type { NotificationConfig } from '../config';
import { allUsersIn } from '../db/user-scope';
import { strongNewPicks } from '../domain/alert-picks';
import { takeAlertAllowance } from './daily-cap';

type Generated = Static<typeof RecommendationsGenerated.schema>;

/**
 * recommendations.generated: when strong picks the user has not been alerted about arrive, queue an
 * alert on each channel the preferences allow (email: recommendation_alerts; push: push_recommendations
 * and a known device), within the daily cap.
 */
export function alertOnNewPicks(
  config: Pick<NotificationConfig, 'ALERT_MIN_SCORE' | 'ALERT_MAX_ITEMS' | 'ALERT_DAILY_CAP' | 'ALERT_MAX_AGE_HOURS'>,
) {
  return async (data: Generated, { tx, logger }: HandlerContext): Promise<void> => {
    if (Date.now() - Date.parse(data.generatedAt) > config.ALERT_MAX_AGE_HOURS * 3_600_000) return;
    await allUsersIn(tx);
    const prefs = await tx.execute<{ email: boolean; push: boolean; timezone: string }>(sql`
      select p.recommendation_alerts as email, (p.push_recommendations and r.device_type is not null) as push, p.timezone
      from notification_preferences p left join recipients r on r.user_id = p.user_id
      where p.user_id = ${data.userId}`);
    const pref = prefs.rows[0];
    if (!pref || (!pref.email && !pref.push)) return;
    const ids = data.items.map((i) => i.movieId);
    if (ids.length === 0) return;
    const seen = await tx.execute<{ movie_id: number }>(sql`
      select movie_id from alerted_movies where user_id = ${data.userId} and movie_id = any(${`{${ids.join(',')}}`}::int[])`);
    const picks = strongNewPicks(
      data.items,
      new Set(seen.rows.map((r) => r.movie_id)),
      config.ALERT_MIN_SCORE,
      config.ALERT_MAX_ITEMS,
    );
    if (picks.length === 0) return;
    if (!(await takeAlertAllowance(tx, data.userId, pref.timezone, config.ALERT_DAILY_CAP))) {
      logger.info({ userId: data.userId, event: 'alert_capped' }, 'recommendation alert over the daily cap; not sent');
      return;
    }
    await tx.execute(sql`
      insert into alerted_movies (user_id, movie_id)
      select ${data.userId}, unnest(${`{${picks.join(',')}}`}::int[]) on conflict do nothing`);
    const channels = [...(pref.email ? ['email'] : []), ...(pref.push ? ['push'] : [])];
    for (const channel of channels) {
      await tx.execute(sql`
        insert into notification_logs (id, user_id, notification_type, kind, payload)
        values (gen_random_uuid(), ${data.userId}, ${channel}, 'recommendation_alert', ${JSON.stringify({ movieIds: picks })}::jsonb)`);
    }
  };
}
