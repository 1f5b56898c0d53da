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
  deps: Pick<ServiceDeps, 'kafka' | 'settings' | 'database' | 'logger' | 'metrics'>,
): Promise<EventConsumer> {
  return startEventConsumer({
    ...deps,
    // The prefix keeps test runs (and tenants) in their own group; in production it is just `auth`.
    groupId: 'auth',
    handlers: [
      on(MovieUpserted, async (movie, { tx }) => {
        if (movie.genres.length === 0) return;
        // Concurrent partitions upsert the same few genres: taking row locks only where something changed,
        // in id order, keeps two batches from locking the same rows in opposite orders (a deadlock).
        const genres = [...movie.genres].sort((a, b) => a.id - b.id);
        await tx
          .insert(knownGenres)
          .values(genres.map((g) => ({ genreId: g.id, name: g.name, slug: g.slug })))
          .onConflictDoNothing({ target: knownGenres.genreId });
        await tx.execute(sql`
          update known_genres k set name = v.name, slug = v.slug, updated_at = now()
          from jsonb_to_recordset(${JSON.stringify(genres)}::jsonb) as v(id int, name text, slug text)
          where k.genre_id = v.id and (k.name, k.slug) is distinct from (v.name, v.slug)`);
      }),
    ],
  });
}
