import { MovieUpserted } from '@marquee/contracts';
import { type EventConsumer, on, startEventConsumer } from '@marquee/platform-events';
import type { ServiceDeps } from '@marquee/platform-service';
import { sql } from 'drizzle-orm';
import { knownGenres } from '../db/schema';

/**
 * Learns genre ids from movie.upserted (its genres), so favorite_genres can be checked without
 * calling the catalog. Genres are never forgotten on movie.deleted: a genre outlives its movies.
 */
export function startKnownGenresConsumer(
  deps: Pick<ServiceDeps, 'kafka' | 'settings' | 'database' | 'logger'>,
): Promise<EventConsumer> {
  return startEventConsumer({
    ...deps,
    // The prefix keeps test runs (and tenants) in their own group; in production it is just `auth`.
    groupId: 'auth',
    handlers: [
      on(MovieUpserted, async (movie, { tx }) => {
        if (movie.genres.length === 0) return;
        await tx
          .insert(knownGenres)
          .values(movie.genres.map((g) => ({ genreId: g.id, name: g.name, slug: g.slug })))
          .onConflictDoUpdate({
            target: knownGenres.genreId,
            set: { name: sql`excluded.name`, slug: sql`excluded.slug`, updatedAt: sql`now()` },
          });
      }),
    ],
  });
}
