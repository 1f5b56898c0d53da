import { sql } from 'drizzle-orm';
import type { NotificationContext } from '../context';
import { forAllUsers } from '../db/user-scope';

/**
 * Claims the users whose weekly digest time has come and queues one pending email each.
 * A user's slot is digest_day at digest_time in the preference's timezone, resolved by PostgreSQL's
 * tz database (a time skipped by a DST change is sent just after it, an ambiguous one once). The
 * digest_claims primary key (user, local week) lets only one replica, once, claim a week; a slot
 * missed while nothing ran is caught up within DIGEST_CATCH_UP_HOURS, and never one from before the
 * preferences existed. Returns how many were claimed (at most one batch).
 */
export async function claimDueDigests(ctx: NotificationContext, now: Date): Promise<number> {
  const { DIGEST_CATCH_UP_HOURS: catchUp, DIGEST_BATCH_SIZE: batch } = ctx.config;
  const nowIso = now.toISOString();
  return forAllUsers(ctx.database.db, async (tx) => {
    const res = await tx.execute(sql`
      with slots as (
        select p.user_id, p.created_at, p.timezone,
               date_trunc('week', ${nowIso}::timestamptz at time zone p.timezone)
                 + (p.digest_day - 1) * interval '1 day' + p.digest_time as this_week
        from notification_preferences p
        where p.weekly_digest
      ), latest as (
        -- The latest slot at or before now: this week's, or last week's when this week's is still ahead.
        select user_id, created_at,
               case when (this_week at time zone timezone) <= ${nowIso}::timestamptz then this_week
                    else this_week - interval '7 days' end as slot_local,
               timezone
        from slots
      ), due as (
        select l.user_id, date_trunc('week', l.slot_local)::date as week_start
        from latest l
        where (l.slot_local at time zone l.timezone) > ${nowIso}::timestamptz - ${catchUp} * interval '1 hour'
          and (l.slot_local at time zone l.timezone) >= l.created_at
          and not exists (select 1 from digest_claims c
                          where c.user_id = l.user_id and c.week_start = date_trunc('week', l.slot_local)::date)
        limit ${batch}
      ), claimed as (
        insert into digest_claims (user_id, week_start)
        select user_id, week_start from due
        on conflict do nothing
        returning user_id, week_start
      )
      insert into notification_logs (id, user_id, notification_type, kind, payload)
      select gen_random_uuid(), user_id, 'email', 'weekly_digest', jsonb_build_object('weekStart', week_start)
      from claimed`);
    return res.rowCount ?? 0;
  });
}
