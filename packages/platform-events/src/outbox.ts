import { buildEvent, type Envelope, type EventDefinition, type Static } from '@marquee/contracts';
import type { DbOrTx } from '@marquee/platform-db';
import { currentCorrelation, newCorrelationId } from '@marquee/platform-logging';
import { currentTraceparent } from '@marquee/platform-tracing';
import type { TSchema } from '@sinclair/typebox';
import { sql } from 'drizzle-orm';

export interface PendingEvent<S extends TSchema = TSchema> {
  def: EventDefinition<S>;
  key: string;
  data: Static<S>;
}

export function pendingEvent<S extends TSchema>(
  def: EventDefinition<S>,
  key: string,
  data: Static<S>,
): PendingEvent<S> {
  return { def, key, data };
}

const outboxWriteListeners = new Set<() => void>();

/**
 * Calls listener each time this process writes outbox rows (inside the writer's transaction, before its commit):
 * the relay polls often while rows come and rarely when none do. Returns the unsubscribe.
 */
export function onOutboxWrite(listener: () => void): () => void {
  outboxWriteListeners.add(listener);
  return () => outboxWriteListeners.delete(listener);
}

/**
 * Writes events into the outbox inside the caller's transaction; the relay polls for them, woken by this process's
 * writes (onOutboxWrite). (No NOTIFY: its commit-time global lock halved single-event transaction throughput here.)
 * Correlation and causation ids come from the current request or event being handled, and so does the
 * trace context (traceparent) when tracing is on, so the relay can continue that trace later.
 */
export async function recordEvents(tx: DbOrTx, events: PendingEvent[]): Promise<Envelope[]> {
  if (events.length === 0) return [];
  const ctx = currentCorrelation();
  const correlationId = ctx?.correlationId ?? newCorrelationId();
  const envelopes = events.map((e) =>
    buildEvent(e.def, e.key, e.data, { correlationId, ...(ctx?.causationId ? { causationId: ctx.causationId } : {}) }),
  );
  const traceparent = currentTraceparent() ?? null;
  const rows = envelopes.map(
    (env, i) =>
      sql`(${env.id}::uuid, ${events[i]?.def.topic}, ${env.key}, ${env.type}, ${JSON.stringify(env)}::json, ${traceparent})`,
  );
  await tx.execute(
    sql`insert into outbox (id, topic, key, type, payload, traceparent) values ${sql.join(rows, sql`, `)}`,
  );
  for (const listener of outboxWriteListeners) listener();
  return envelopes;
}

export async function recordEvent<S extends TSchema>(
  tx: DbOrTx,
  def: EventDefinition<S>,
  key: string,
  data: Static<S>,
): Promise<Envelope<Static<S>>> {
  const [env] = await recordEvents(tx, [{ def, key, data } as PendingEvent]);
  return env as Envelope<Static<S>>;
}
