import {
  InteractionRecorded,
  InteractionRemoved,
  MovieDeleted,
  MovieUpserted,
  type Static,
  TrendingUpdated,
  UserDeleted,
  UserRegistered,
  UserUpdated,
} from '@marquee/contracts';
import type { Tx } from '@marquee/platform-db';
import { type EventConsumer, type HandlerContext, on, startEventConsumer } from '@marquee/platform-events';
import type { ServiceDeps } from '@marquee/platform-service';
import { sql } from 'drizzle-orm';
import type { RecommendationContext } from '../context';
import { allUsersIn } from '../db/rls';
import { type FeedbackKind, feedbackWeight } from '../domain/feedback-matrix';
import { intArray, textArray } from '../db/sql-arrays';
import { type AfterCommit, cacheKey, refreshUser } from '../recommend/refresh-user';

type Movie = Static<typeof MovieUpserted.schema>;
// The fields both interaction events carry (a recorded one also has previousRating, unused here).
type Interaction = Static<typeof InteractionRemoved.schema>;

/** Taste signal of one interaction row: the interaction itself, or its feedback when it carries one. */
function kindOf(i: Interaction): { kind: string; weight: number } {
  if (i.feedbackType)
    return { kind: `feedback:${i.feedbackType}`, weight: feedbackWeight(i.feedbackType as FeedbackKind, null) };
  return { kind: i.interactionType, weight: feedbackWeight(i.interactionType as FeedbackKind, i.rating) };
}

async function upsertMovie(tx: Tx, m: Movie): Promise<void> {
  const year = m.releaseDate ? Number(m.releaseDate.slice(0, 4)) : null;
  await tx.execute(sql`
    insert into rec_movies (movie_id, title, genres, director, main_cast, overview, original_language, release_year, adult)
    values (${m.movieId}, ${m.title}, ${intArray(m.genres.map((g) => g.id))}, ${m.director}, ${textArray(m.mainCast)},
      ${m.overview}, ${m.originalLanguage}, ${year}, ${m.adult})
    on conflict (movie_id) do update set title = excluded.title, genres = excluded.genres, director = excluded.director,
      main_cast = excluded.main_cast, overview = excluded.overview, original_language = excluded.original_language,
      release_year = excluded.release_year, adult = excluded.adult, updated_at = now()`);
  for (const g of m.genres)
    await tx.execute(sql`insert into rec_genres (genre_id, name) values (${g.id}, ${g.name})
      on conflict (genre_id) do update set name = excluded.name`);
}

/**
 * One consumer for the four topics this service projects. Interactions update the feedback projection and fold
 * the user in before the chunk commits (stored, cached, published, pushed), once per user per chunk; deletions
 * erase everywhere in the same transaction.
 */
export function startProjections(
  deps: Pick<ServiceDeps, 'kafka' | 'settings' | 'database' | 'logger' | 'metrics'>,
  ctx: RecommendationContext,
): Promise<EventConsumer> {
  const applyInteraction = async (
    tx: Tx,
    i: Interaction,
    removed: boolean,
    { afterCommit, beforeCommit }: { afterCommit: AfterCommit; beforeCommit: HandlerContext['beforeCommit'] },
  ) => {
    await allUsersIn(tx);
    const { kind, weight } = kindOf(i);
    if (removed) {
      await tx.execute(
        sql`delete from rec_feedback where user_id = ${i.userId} and movie_id = ${i.movieId} and kind = ${kind}`,
      );
    } else {
      await tx.execute(sql`
        insert into rec_feedback (user_id, movie_id, kind, weight, at) values (${i.userId}, ${i.movieId}, ${kind}, ${weight}, ${i.at})
        on conflict (user_id, movie_id, kind) do update set weight = excluded.weight, at = excluded.at`);
    }
    // One fold-in per user per consumed chunk, after all of the chunk's events are written: a user with 100
    // events in a chunk (a bulk import) is refreshed once, with all of them, in the same transaction.
    // (A chunk holds one topic partition's events, so a user.deleted never shares it with interactions.)
    beforeCommit(`refresh:${i.userId}`, () => refreshUser(ctx, tx, i.userId, afterCommit).then(() => {}));
  };
  const applyUser = async (tx: Tx, u: { userId: string; favoriteGenres: number[] }, afterCommit: AfterCommit) => {
    await allUsersIn(tx);
    // Only what ranking needs: no name, email or device token is kept.
    await tx.execute(sql`
      insert into rec_users (user_id, favorite_genres) values (${u.userId}, ${intArray(u.favoriteGenres)})
      on conflict (user_id) do update set favorite_genres = excluded.favorite_genres, updated_at = now()`);
    afterCommit(() => ctx.redis.del(cacheKey(ctx, u.userId)).then(() => {}));
  };
  return startEventConsumer({
    kafka: deps.kafka,
    settings: deps.settings,
    database: deps.database,
    logger: deps.logger,
    metrics: deps.metrics,
    groupId: 'recommendation',
    fromBeginning: true,
    handlers: [
      on(UserRegistered, (u, { tx, afterCommit }) => applyUser(tx, u, afterCommit)),
      on(UserUpdated, (u, { tx, afterCommit }) => applyUser(tx, u, afterCommit)),
      on(UserDeleted, async ({ userId }, { tx, afterCommit }) => {
        await allUsersIn(tx);
        await tx.execute(sql`delete from user_recommendations where user_id = ${userId}`);
        await tx.execute(sql`delete from rec_feedback where user_id = ${userId}`);
        await tx.execute(sql`delete from rec_users where user_id = ${userId}`);
        afterCommit(() => ctx.redis.del(cacheKey(ctx, userId)).then(() => {}));
      }),
      on(MovieUpserted, async (m, { tx }) => {
        await upsertMovie(tx, m);
        ctx.store.scheduleAppend(m.movieId);
      }),
      on(MovieDeleted, async ({ movieId }, { tx, afterCommit }) => {
        await allUsersIn(tx);
        const affected = await tx.execute<{ user_id: string }>(
          sql`delete from user_recommendations where movie_id = ${movieId} returning user_id`,
        );
        await tx.execute(sql`delete from rec_movies where movie_id = ${movieId}`);
        ctx.store.dropMovie(movieId);
        const keys = [...new Set(affected.rows.map((r) => cacheKey(ctx, r.user_id)))];
        if (keys.length > 0) afterCommit(() => ctx.redis.del(...keys).then(() => {}));
      }),
      on(TrendingUpdated, async (t, { tx }) => {
        await tx.execute(sql`delete from rec_trending`);
        const top = Math.max(...t.movies.map((m) => m.score), 1e-9);
        for (const m of t.movies)
          await tx.execute(sql`insert into rec_trending (movie_id, score, date) values (${m.movieId}, ${Math.max(0, m.score / top)}, ${t.date})
            on conflict (movie_id) do nothing`);
      }),
      on(InteractionRecorded, (i, c) => applyInteraction(c.tx, i, false, c)),
      on(InteractionRemoved, (i, c) => applyInteraction(c.tx, i, true, c)),
    ],
  });
}
