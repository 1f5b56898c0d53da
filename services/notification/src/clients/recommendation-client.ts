import { type NatsConnection, requestJson, Subjects } from '@marquee/platform-bus';
import type { MovieLine } from '../domain/render-message';

/** recommendation.for-users' answer (see services/recommendation/src/recommend/answer-for-users.ts). */
interface ForUsersReply {
  results?: Array<{ userId?: unknown; items?: Array<{ movieId?: unknown; title?: unknown; reason?: unknown }> }>;
}

/** Users named in one recommendation.for-users request (recommendation accepts up to 200). */
const PER_REQUEST = 100;

/**
 * Users' current recommendations (the list GET /v1/me/recommendations serves them, cold-start picks included)
 * from the recommendation service over NATS, a delivery round's digest recipients in requests of up to 100
 * (`{ userIds, limit }` → `{ results: [{ userId, items }] }`), sent side by side.
 */
export function recommendationClient(nats: NatsConnection, subjectPrefix: string, timeoutMs: number) {
  const subject = `${subjectPrefix}${Subjects.recommendationForUsers}`;
  return async (userIds: string[], limit: number): Promise<Map<string, MovieLine[]>> => {
    const unique = [...new Set(userIds)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += PER_REQUEST) chunks.push(unique.slice(i, i + PER_REQUEST));
    const answers = await Promise.all(
      chunks.map((ids) => requestJson<ForUsersReply>(nats, subject, { userIds: ids, limit }, timeoutMs)),
    );
    const lists = new Map<string, MovieLine[]>();
    for (const answer of answers)
      for (const r of answer?.results ?? []) {
        if (typeof r.userId !== 'string') continue;
        lists.set(
          r.userId,
          (r.items ?? [])
            .filter((i) => Number.isInteger(i.movieId))
            .slice(0, limit)
            .map((i) => ({
              movieId: i.movieId as number,
              title: typeof i.title === 'string' && i.title ? i.title : `Movie #${i.movieId}`,
              ...(typeof i.reason === 'string' ? { reason: i.reason } : {}),
            })),
        );
      }
    for (const id of unique)
      if (!lists.has(id)) throw new Error('recommendation.for-users left a user out of its answer');
    return lists;
  };
}
export type FetchRecommendations = ReturnType<typeof recommendationClient>;
