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
import { type Tx, intArray } from '@marquee/platform-db';
import { chunkState, type EventConsumer, type HandlerContext, on, startEventConsumer } from '@marquee/platform-events';
import { type Counter, counterOn } from '@marquee/platform-metrics';
import type { ServiceDeps } from '@marquee/platform-service';
import { sql } from 'drizzle-orm';
import type { RecommendationContext } from '../context';
import { allUsersIn } from '../db/rls';
import { type FeedbackKind, feedbackWeight } from '../domain/feedback-matrix';
import { type AfterCommit, cacheKey } from '../recommend/compute-lists';
import { refreshConsumedUsers } from '../recommend/refresh-user';

type Movie = Static<typeof MovieUpserted.schema>;
// The fields both interaction events carry (a recorded one also has previousRating, unused here).
type Interaction = Static<typeof InteractionRemoved.schema>;

/** Taste signal of one interaction row: the interaction itself, or its feedback when it carries one. */
function kindOf(i: Interaction): { kind: string; weight: number } {
  if (i.feedbackType)
    return { kind: `feedback:${i.feedbackType}`, weight: feedbackWeight(i.feedbackType as FeedbackKind, null) };
  return { kind: i.interactionType, weight: feedbackWeight(i.interactionType as FeedbackKind, i.rating) };
}

/**
 * A chunk's movie.upserted events in two statements (the last snapshot of each movie wins): the movies, then the
 * genres that are new or renamed, in genre order. One upsert per genre per movie made the three partitions'
 * chunks wait on (and deadlock over) the same few genre rows, so a full catalogue took minutes to project.
 */
async function upsertMovies(tx: Tx, movies: Movie[], genres: Map<number, string>): Promise<void> {
  const rows = movies.map((m) => ({
    id: m.movieId,
    title: m.title,
    genres: m.genres.map((g) => g.id),
    director: m.director,
    cast: m.mainCast,
    overview: m.overview,
    language: m.originalLanguage,
    year: m.releaseDate ? Number(m.releaseDate.slice(0, 4)) : null,
    adult: m.adult,
  }));
  if (movies.length > 0)
    await tx.execute(sql`
    insert into rec_movies (movie_id, title, genres, director, main_cast, overview, original_language, release_year, adult)
    select t.id, t.title, t.genres, t.director, t.cast, t.overview, t.language, t.year, t.adult
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as t(id int, title text, genres int[], director text, "cast" text[], overview text, language text, year int, adult boolean)
    order by t.id
    on conflict (movie_id) do update set title = excluded.title, genres = excluded.genres, director = excluded.director,
      main_cast = excluded.main_cast, overview = excluded.overview, original_language = excluded.original_language,
      release_year = excluded.release_year, adult = excluded.adult, updated_at = now()`);
  if (genres.size === 0) return;
  await tx.execute(sql`
    insert into rec_genres (genre_id, name)
    select t.id, t.name from jsonb_to_recordset(${JSON.stringify([...genres].map(([id, name]) => ({ id, name })))}::jsonb)
      as t(id int, name text)
    where not exists (select 1 from rec_genres g where g.genre_id = t.id and g.name = t.name)
    order by t.id
    on conflict (genre_id) do update set name = excluded.name`);
}

interface FeedbackWrite {
  removed: boolean;
  u: string;
  m: number;
  k: string;
  w: number;
  at: string;
}
interface Chunk {
  feedback: Map<string, FeedbackWrite>;
  users: Set<string>;
}

/**
 * A chunk's interactions in two statements (removals, then upserts: they touch different rows, as only the last
 * write of a row is kept), then one fold-in per user with all of their new feedback (refreshConsumedUsers: paced,
 * a user folded in within RECOMMENDATION_FOLD_IN_INTERVAL_MS waits for the paced job).
 */
async function applyChunk(
  ctx: RecommendationContext,
  tx: Tx,
  chunk: Chunk,
  afterCommit: AfterCommit,
  deferred: Counter,
): Promise<void> {
  await allUsersIn(tx);
  const writes = [...chunk.feedback.values()];
  const removals = writes.filter((w) => w.removed).map(({ u, m, k }) => ({ u, m, k }));
  const upserts = writes.filter((w) => !w.removed).map(({ removed: _, ...w }) => w);
  if (removals.length > 0)
    await tx.execute(sql`
      delete from rec_feedback f using jsonb_to_recordset(${JSON.stringify(removals)}::jsonb) as t(u uuid, m int, k text)
      where f.user_id = t.u and f.movie_id = t.m and f.kind = t.k`);
  if (upserts.length > 0)
    await tx.execute(sql`
      insert into rec_feedback (user_id, movie_id, kind, weight, at)
      select t.u, t.m, t.k, t.w, t.at
      from jsonb_to_recordset(${JSON.stringify(upserts)}::jsonb) as t(u uuid, m int, k text, w real, at timestamptz)
      on conflict (user_id, movie_id, kind) do update set weight = excluded.weight, at = excluded.at`);
  const { waiting } = await refreshConsumedUsers(ctx, tx, [...chunk.users], afterCommit);
  deferred.inc(waiting);
}

/**
 * What one transaction holds when the consumer is behind: up to 12,000 events (more than a 4 MiB fetch from a
 * partition brings, some 7,000 interactions) of at most 1,000 users. A user's events in one chunk are folded in once
 * and the chunk's statements are shared, so the further behind the consumer is, the less an event costs: 1,000
 * events of 667 users (the interactions bench's 2,000 users round-robin over three partitions) folded most users in
 * once per event; this gathers each user's waiting events. The consumer-cost bench's spread pattern (48,000 events
 * waiting) cost 280 → 69–88 µs of node and 105–115 → 41–50 µs of PostgreSQL CPU per event beside chunks of 1,000
 * events from 1 MiB fetches (bench/results/recommendation-consumer-chunk-users-2026-12-02.md). The users bound what a
 * transaction holds: up to 1,000 fold-ins (about a second), and one advisory lock per user (refreshUsers), so three
 * partitions' chunks hold at most 3,000 of PostgreSQL's shared lock table (64 per connection by default). A consumer
 * that keeps up gets small fetches (below), so none of this delays a fold-in.
 */
const CHUNK_SIZE = 12_000;
const CHUNK_USERS = 1_000;
const FETCH_MAX_BYTES_PER_PARTITION = 4 * 1024 * 1024;

/**
 * A fetch waits for 64 KiB of events (about a hundred interactions) or 150 ms, whichever comes first, instead of
 * answering with the first event: a consumer that keeps up otherwise applies a handful of events per transaction, and
 * each transaction pays its statements, fold-in reads, list queue, outbox row and commit once. Measured with the
 * consumer-cost bench's paced pattern (2,000 users at 1,000 events/s): 660–676 → 424–431 µs of node and 468–478 →
 * 312–332 µs of PostgreSQL CPU per event (32 KiB / 100 ms kept about half of that). The cost: an interaction in a quiet
 * moment waits up to 150 ms longer for its fold-in.
 */
const FETCH_MIN_BYTES = 64 * 1024;
const FETCH_MAX_WAIT_MS = 150;

/**
 * One consumer for the four topics this service projects. Interactions update the feedback projection and fold
 * each user in before the chunk commits (stored, cached, published, pushed), once per user per chunk with all of
 * their events (a chunk holds one topic partition's events, so a user.deleted never shares one with
 * interactions); deletions erase everywhere in the same transaction.
 */
export function startProjections(
  deps: Pick<ServiceDeps, 'kafka' | 'settings' | 'database' | 'logger' | 'metrics'>,
  ctx: RecommendationContext,
): Promise<EventConsumer> {
  // The interactions of the transaction (one consumed chunk, or one event on the slow path): feedback writes,
  // the last per row winning, and the users to fold in, all written once before the chunk commits.
  const deferred = counterOn(ctx.metrics, {
    name: 'recommendation_fold_ins_deferred_total',
    help: 'Users of consumed chunks whose fold-in waited for the paced job (folded in within RECOMMENDATION_FOLD_IN_INTERVAL_MS)',
  });
  const interactionsOf = chunkState(
    (): Chunk => ({ feedback: new Map(), users: new Set() }),
    (chunk, { tx, afterCommit }) => applyChunk(ctx, tx, chunk, afterCommit, deferred),
  );
  // The transaction's movie snapshots by id (the last one winning) and every genre they named (the last name
  // winning; a genre stays when its movie is deleted, as one by one), written once before it commits.
  const moviesOf = chunkState(
    () => ({ movies: new Map<number, Movie>(), genres: new Map<number, string>() }),
    (chunk, { tx }) => upsertMovies(tx, [...chunk.movies.values()], chunk.genres),
  );
  const applyMovie = (handler: HandlerContext, m: Movie) => {
    const chunk = moviesOf(handler);
    chunk.movies.delete(m.movieId);
    chunk.movies.set(m.movieId, m);
    for (const g of m.genres) chunk.genres.set(g.id, g.name);
    ctx.store.scheduleAppend(m.movieId);
    return Promise.resolve();
  };
  const applyInteraction = (handler: HandlerContext, i: Interaction, removed: boolean) => {
    const chunk = interactionsOf(handler);
    const { kind, weight } = kindOf(i);
    const key = `${i.userId} ${i.movieId} ${kind}`;
    // Re-inserted so the map keeps the order of the last writes.
    chunk.feedback.delete(key);
    chunk.feedback.set(key, { removed, u: i.userId, m: i.movieId, k: kind, w: weight, at: i.at });
    chunk.users.add(i.userId);
    return Promise.resolve();
  };
  const applyUser = async (tx: Tx, u: { userId: string; favoriteGenres: number[] }, afterCommit: AfterCommit) => {
    await allUsersIn(tx);
    // Only what ranking needs: no name, email or device token is kept.
    await tx.execute(sql`
      insert into rec_users (user_id, favorite_genres) values (${u.userId}, ${intArray(u.favoriteGenres)})
      on conflict (user_id) do update set favorite_genres = excluded.favorite_genres, updated_at = now()`);
    afterCommit(() => ctx.lists.delete([cacheKey(ctx, u.userId)]));
  };
  return startEventConsumer({
    kafka: deps.kafka,
    settings: deps.settings,
    database: deps.database,
    logger: deps.logger,
    metrics: deps.metrics,
    groupId: 'recommendation',
    fromBeginning: true,
    chunkSize: CHUNK_SIZE,
    // Interactions are keyed by user id (movie events by movie id): a chunk's keys are its users.
    chunkKeys: CHUNK_USERS,
    fetchMaxBytesPerPartition: FETCH_MAX_BYTES_PER_PARTITION,
    fetchMinBytes: FETCH_MIN_BYTES,
    fetchMaxWaitMs: FETCH_MAX_WAIT_MS,
    handlers: [
      on(UserRegistered, (u, { tx, afterCommit }) => applyUser(tx, u, afterCommit)),
      on(UserUpdated, (u, { tx, afterCommit }) => applyUser(tx, u, afterCommit)),
      on(UserDeleted, async ({ userId }, { tx, afterCommit }) => {
        await allUsersIn(tx);
        await tx.execute(sql`delete from user_recommendations where user_id = ${userId}`);
        await tx.execute(sql`delete from rec_feedback where user_id = ${userId}`);
        await tx.execute(sql`delete from rec_users where user_id = ${userId}`);
        await tx.execute(sql`delete from rec_pending_lists where user_id = ${userId}`);
        afterCommit(() => ctx.lists.delete([cacheKey(ctx, userId)]));
        // The scores the content model keeps for their next fold-in go too (in memory: should this roll back, a
        // fold-in of theirs only sums their history whole again).
        ctx.store.forgetUser(userId);
        // A waiting fold-in of theirs would find no marker and compute nothing; it is dropped here already.
        ctx.pacer.forget(userId);
      }),
      on(MovieUpserted, (m, c) => applyMovie(c, m)),
      on(MovieDeleted, async ({ movieId }, c) => {
        const { tx, afterCommit } = c;
        // An upsert of this movie earlier in the chunk is not written after its deletion.
        moviesOf(c).movies.delete(movieId);
        await allUsersIn(tx);
        const affected = await tx.execute<{ user_id: string }>(
          sql`delete from user_recommendations where movie_id = ${movieId} returning user_id`,
        );
        // A waiting list is computed when it is stored, without the movie (gone from rec_movies and from the model);
        // the cached list of a user still waiting may name it.
        const waiting = await tx.execute<{ user_id: string }>(sql`select user_id from rec_pending_lists`);
        await tx.execute(sql`delete from rec_movies where movie_id = ${movieId}`);
        ctx.store.dropMovie(movieId);
        const users = [...affected.rows, ...waiting.rows].map((r) => r.user_id);
        const keys = [...new Set(users)].map((u) => cacheKey(ctx, u));
        if (keys.length > 0) afterCommit(() => ctx.lists.delete(keys));
      }),
      on(TrendingUpdated, async (t, { tx }) => {
        await tx.execute(sql`delete from rec_trending`);
        const top = Math.max(...t.movies.map((m) => m.score), 1e-9);
        for (const m of t.movies)
          await tx.execute(sql`insert into rec_trending (movie_id, score, date) values (${m.movieId}, ${Math.max(0, m.score / top)}, ${t.date})
            on conflict (movie_id) do nothing`);
      }),
      on(InteractionRecorded, (i, c) => applyInteraction(c, i, false)),
      on(InteractionRemoved, (i, c) => applyInteraction(c, i, true)),
    ],
  });
}
