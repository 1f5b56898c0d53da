// What the event-pipeline benches (events, metrics) share: a throwaway database with the outbox tables,
// Kafka settings under a run prefix, the interaction events they push through, and the clean-up.
import path from 'node:path';
import { applyMigrations, type Database, ensureDatabase, openDatabase } from '@marquee/platform-db';
import { createKafka, type KafkaSettings } from '@marquee/platform-events';
import type { Logger } from '@marquee/platform-logging';

export interface PipelineBench {
  runId: string;
  adminUrl: string;
  database: Database;
  settings: KafkaSettings;
  kafka: ReturnType<typeof createKafka>;
  /** Drops the run's database and deletes its topics. */
  cleanUp(): Promise<void>;
}

/** A database named runId with platform-events' migrations applied, and a Kafka client whose topics start with `${runId}.`. */
export async function openPipelineBench(runId: string, logger: Logger): Promise<PipelineBench> {
  const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${runId}`;
  await ensureDatabase(dbUrl.toString());
  const database = openDatabase(dbUrl.toString(), { max: 12 });
  await applyMigrations(database, path.resolve(import.meta.dirname, '../../packages/platform-events/migrations'));
  const settings: KafkaSettings = {
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    clientId: 'bench',
    topicPrefix: `${runId}.`,
  };
  const kafka = createKafka(settings, logger);
  return {
    runId,
    adminUrl,
    database,
    settings,
    kafka,
    async cleanUp() {
      await database.close();
      const admin = openDatabase(adminUrl);
      await admin.pool.query(`drop database if exists "${runId}" with (force)`);
      await admin.close();
      const kAdmin = kafka.admin();
      await kAdmin.connect();
      await kAdmin.deleteTopics({
        topics: (await kAdmin.listTopics()).filter((t) => t.startsWith(settings.topicPrefix as string)),
      });
      await kAdmin.disconnect();
    },
  };
}

const users = Array.from({ length: 200 }, (_, i) => `0190a0b0-0000-7000-8000-${String(i + 1).padStart(12, '0')}`);

/** The i-th interaction.recorded payload: a view by one of 200 users of one of 5,000 movies. */
export const interactionData = (i: number) => ({
  interactionId: String(i),
  userId: users[i % users.length] as string,
  movieId: 1 + (i % 5000),
  interactionType: 'view' as const,
  rating: null,
  previousRating: null,
  feedbackType: null,
  hasFeedbackComment: false,
  source: 'web' as const,
  at: new Date().toISOString(),
});
