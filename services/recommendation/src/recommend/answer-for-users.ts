import { type Subscription, serveJson, Subjects } from '@marquee/platform-bus';
import type { RecommendationContext } from '../context';
import { currentLists } from './current-lists';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Most users one request may name. */
export const MAX_USERS_PER_REQUEST = 200;
/** Items per user when the request names no limit (the route's default page). */
const DEFAULT_LIMIT = 20;

export interface ForUsersReply {
  results: Array<{ userId: string; items: Array<{ movieId: number; title: string; reason: string }> }>;
}

/** Checks a request and says which field is wrong; limit above the stored list size is capped, as on the route. */
export function parseForUsers(req: unknown, maxLimit: number): { userIds: string[]; limit: number } {
  if (typeof req !== 'object' || req === null || Array.isArray(req))
    throw new Error('request must be an object { userIds, limit }');
  const { userIds, limit, ...rest } = req as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new Error(`${unknown} is not a known field (userIds, limit)`);
  if (
    !Array.isArray(userIds) ||
    userIds.length === 0 ||
    userIds.length > MAX_USERS_PER_REQUEST ||
    !userIds.every((id) => typeof id === 'string' && UUID_RE.test(id))
  )
    throw new Error(`userIds must be 1 to ${MAX_USERS_PER_REQUEST} uuids`);
  if (limit !== undefined && !(Number.isInteger(limit) && (limit as number) >= 1))
    throw new Error('limit must be an integer of at least 1');
  return {
    userIds: (userIds as string[]).map((id) => id.toLowerCase()),
    limit: Math.min((limit as number | undefined) ?? DEFAULT_LIMIT, maxLimit),
  };
}

/**
 * Answers `recommendation.for-users` for notification's digests: `{ userIds (1–200), limit? }` →
 * `{ results: [{ userId, items: [{ movieId, title, reason }] }] }` in the order asked, each the list
 * `GET /v1/me/recommendations` serves that user (cold-start picks when they have no history). Acts for all the
 * users named: NATS permissions admit notification alone as asker.
 */
export function serveRecommendationsForUsers(ctx: RecommendationContext): Subscription {
  const lists = currentLists(ctx);
  return serveJson<unknown, ForUsersReply>(
    ctx.nats,
    `${ctx.config.NATS_SUBJECT_PREFIX}${Subjects.recommendationForUsers}`,
    async (req) => {
      const { userIds, limit } = parseForUsers(req, ctx.config.RECOMMENDATION_LIST_SIZE);
      const unique = [...new Set(userIds)];
      const found = await lists(unique);
      const byUser = new Map(unique.map((id, i) => [id, found[i]!]));
      return {
        results: userIds.map((userId) => ({
          userId,
          items: byUser
            .get(userId)!
            .items.slice(0, limit)
            .map((i) => ({ movieId: i.movieId, title: i.title, reason: i.reason })),
        })),
      };
    },
    { queue: 'recommendation' },
  );
}
