import { bigserial, index, integer, json, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Events waiting to be published, written in the same transaction as the state change.
 * seq orders publication; the relay deletes each row in the transaction that saw Kafka take it (relay.ts), so every
 * row here is one still to publish.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: uuid('id').primaryKey(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    topic: text('topic').notNull(),
    key: text('key').notNull(),
    type: text('type').notNull(),
    payload: json('payload').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** W3C traceparent of the request or event that wrote the row; the relay sends it as a Kafka header. */
    traceparent: text('traceparent'),
  },
  (t) => [index('outbox_seq_idx').on(t.seq)],
);

/** Event ids a consumer has applied, written in the same transaction as the handler's writes. */
export const processedEvents = pgTable(
  'processed_events',
  {
    consumer: text('consumer').notNull(),
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type').notNull(),
    processedAt: timestamp('processed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.eventId] })],
);
