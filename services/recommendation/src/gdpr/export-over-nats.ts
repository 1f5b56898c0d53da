import { type Subscription, serveJson, Subjects } from '@marquee/platform-bus';
import { sql } from 'drizzle-orm';
import type { RecommendationContext } from '../context';
import { withUser } from '@marquee/platform-db';
import { withEffectsAfterCommit } from '../recommend/compute-lists';
import { storeWaitingLists } from '../recommend/store-lists';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Answers `gdpr.export.recommendation` ({ userId }) with what this service holds about that user. */
export function serveGdprExport(ctx: RecommendationContext): Subscription {
  return serveJson<{ userId?: unknown }, unknown>(
    ctx.nats,
    `${ctx.config.NATS_SUBJECT_PREFIX}${Subjects.gdprExport('recommendation')}`,
    async (req) => {
      if (typeof req?.userId !== 'string' || !UUID_RE.test(req.userId)) throw new Error('userId must be a uuid');
      const userId = req.userId;
      return withEffectsAfterCommit(ctx, (afterCommit) =>
        withUser(ctx.database.db, userId, async (tx) => {
          // Their latest list, if it is still waiting to be written (the store delay), is part of what is held.
          await storeWaitingLists(ctx, tx, { users: [userId] }, afterCommit);
          const recommendations = await tx.execute(sql`
          select movie_id as "movieId", score, algorithm, variant, rank, reason, generated_at as "generatedAt",
                 clicked, clicked_at as "clickedAt"
          from user_recommendations where user_id = ${userId} order by algorithm, rank`);
          const feedback = await tx.execute(
            sql`select movie_id as "movieId", kind, weight, at from rec_feedback where user_id = ${userId} order by at`,
          );
          const profile = await tx.execute(
            sql`select favorite_genres as "favoriteGenres" from rec_users where user_id = ${userId}`,
          );
          ctx.logger.info({ userId, event: 'gdpr_export' }, 'GDPR export answered');
          return {
            service: 'recommendation',
            userId,
            profile: profile.rows[0] ?? null,
            recommendations: recommendations.rows,
            feedback: feedback.rows,
          };
        }),
      );
    },
    { queue: 'recommendation' },
  );
}
