import { Topics } from '@marquee/contracts';
import type { Database } from '@marquee/platform-db';
import { type EventConsumer, type KafkaSettings, startEventConsumer } from '@marquee/platform-events';
import type { Logger } from '@marquee/platform-logging';
import { sql } from 'drizzle-orm';
import type { Kafka } from 'kafkajs';
import type { Static } from '@sinclair/typebox';
import type { MovieSnapshot } from '@marquee/contracts';
import { knownGenres } from '../db/schema';

/**
 * Learns genre ids from movie.upserted (its genres), so favorite_genres can be checked without
 * calling the catalog. Genres are never forgotten on movie.deleted: a genre outlives its movies.
 */
export function startKnownGenresConsumer(deps: {
  kafka: Kafka;
  settings: Pick<KafkaSettings, 'topicPrefix'>;
  database: Database;
  logger: Logger;
}): Promise<EventConsumer> {
  return startEventConsumer({
    ...deps,
    // The prefix keeps test runs (and tenants) in their own group; in production it is just `auth`.
    groupId: 'auth',
    topics: [Topics.catalogMovie],
    handlers: {
      'movie.upserted': async (event, { tx }) => {
        const movie = event.data as Static<typeof MovieSnapshot>;
        if (movie.genres.length === 0) return;
        await tx
          .insert(knownGenres)
          .values(movie.genres.map((g) => ({ genreId: g.id, name: g.name, slug: g.slug })))
          .onConflictDoUpdate({
            target: knownGenres.genreId,
            set: { name: sql`excluded.name`, slug: sql`excluded.slug`, updatedAt: sql`now()` },
          });
      },
    },
  });
}
