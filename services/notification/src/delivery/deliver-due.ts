import { NotificationDelivered, NotificationFailed, NotificationSent } from '@marquee/contracts';
import { publishJson, Subjects } from '@marquee/platform-bus';
import { type PendingEvent, pendingEvent, recordEvents } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import type { NotificationContext } from '../context';
import { forAllUsers } from '../db/user-scope';
import { retryDelayMs } from '../domain/alert-picks';
import type { Contact } from '../clients/contact-client';
import type { MovieLine } from '../domain/render-message';
import { type LeasedLog, type Outcome, sendOne } from './send-one';

/** How long a leased row is hidden from other replicas while it is being sent. */
const LEASE = '5 minutes';

async function leaseDue(ctx: NotificationContext, limit: number): Promise<LeasedLog[]> {
  const res = await forAllUsers(ctx.database.db, (tx) =>
    tx.execute<Record<string, unknown>>(sql`
      update notification_logs l set next_attempt_at = now() + ${LEASE}::interval
      from (select id, created_at from notification_logs
            where status = 'pending' and next_attempt_at <= now()
            order by next_attempt_at limit ${limit} for update skip locked) d
      where l.id = d.id and l.created_at = d.created_at
      returning l.id, l.created_at, l.user_id, l.notification_type, l.kind, l.payload, l.attempts`),
  );
  return res.rows.map((r) => ({
    id: r.id as string,
    createdAt: new Date(r.created_at as string),
    userId: r.user_id as string,
    notificationType: r.notification_type as LeasedLog['notificationType'],
    kind: r.kind as LeasedLog['kind'],
    payload: r.payload as LeasedLog['payload'],
    attempts: r.attempts as number,
  }));
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

interface Finished {
  id: string;
  created_at: string;
  status: 'delivered' | 'pending' | 'failed';
  external_id: string | null;
  recipient: string | null;
  subject: string | null;
  content: string | null;
  error: string | null;
  retry_ms: number;
}

function finished(ctx: NotificationContext, log: LeasedLog, o: Outcome): Finished {
  const attempts = log.attempts + 1;
  const base = { id: log.id, created_at: log.createdAt.toISOString(), recipient: o.recipient ?? null };
  if (o.ok)
    return {
      ...base,
      status: 'delivered',
      external_id: o.externalId,
      subject: o.subject,
      content: o.content,
      error: null,
      retry_ms: 0,
    };
  const give_up = o.permanent || attempts >= ctx.config.DELIVERY_MAX_ATTEMPTS;
  return {
    ...base,
    status: give_up ? 'failed' : 'pending',
    external_id: null,
    subject: null,
    content: null,
    error: o.error,
    retry_ms: retryDelayMs(attempts, ctx.config.DELIVERY_RETRY_BASE_MS),
  };
}

/**
 * Records a round's outcomes in one transaction with their events. Only rows still pending are
 * touched, so a log erased (user.deleted) while it was being sent leaves no trace and no event.
 */
async function recordOutcomes(ctx: NotificationContext, rows: Finished[]): Promise<void> {
  const done = await forAllUsers(ctx.database.db, async (tx) => {
    const res = await tx.execute<Record<string, string | null>>(sql`
      update notification_logs l set
        status = v.status,
        attempts = l.attempts + 1,
        recipient = coalesce(v.recipient, l.recipient),
        external_id = coalesce(v.external_id, l.external_id),
        subject = coalesce(v.subject, l.subject),
        content = coalesce(v.content, l.content),
        error_message = v.error,
        sent_at = case when v.status = 'delivered' then now() else l.sent_at end,
        delivered_at = case when v.status = 'delivered' then now() else l.delivered_at end,
        next_attempt_at = case when v.status = 'pending' then now() + v.retry_ms * interval '1 millisecond' else l.next_attempt_at end
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(
        id uuid, created_at timestamptz, status text, external_id text, recipient text,
        subject text, content text, error text, retry_ms bigint)
      where l.id = v.id and l.created_at = v.created_at and l.status = 'pending'
      returning l.id, l.user_id, l.notification_type, l.kind, l.status, l.external_id, l.error_message`);
    const at = new Date().toISOString();
    const events: PendingEvent[] = [];
    for (const r of res.rows) {
      const facts = {
        notificationId: r.id as string,
        userId: r.user_id as string,
        channel: r.notification_type as 'email' | 'push',
        kind: r.kind as 'weekly_digest',
        at,
      };
      if (r.status === 'delivered') {
        events.push(pendingEvent(NotificationSent, facts.userId, { ...facts, externalId: r.external_id }));
        events.push(pendingEvent(NotificationDelivered, facts.userId, { ...facts, externalId: r.external_id }));
      } else if (r.status === 'failed') {
        events.push(pendingEvent(NotificationFailed, facts.userId, { ...facts, error: r.error_message }));
      }
    }
    await recordEvents(tx, events);
    return res.rows;
  });
  for (const r of done) {
    if (r.status === 'failed')
      ctx.logger.warn({ logId: r.id, kind: r.kind, error: r.error_message }, 'notification failed');
    if (r.status === 'delivered') {
      publishJson(ctx.nats, `${ctx.config.NATS_SUBJECT_PREFIX}${Subjects.liveUser(r.user_id as string)}`, {
        type: 'notification.sent',
        notificationId: r.id,
        kind: r.kind,
      });
    }
  }
}

/**
 * The delivery worker: each round leases due notifications and sends them (bounded concurrency); a
 * round's outcomes are recorded while the next round sends, so the providers never wait on the database.
 */
export function deliveryWorker(ctx: NotificationContext) {
  let recording: Promise<void> = Promise.resolve();
  const record = (rows: Finished[]) =>
    recordOutcomes(ctx, rows).catch((err) =>
      // Leased rows stay pending and are sent again when the lease ends: at least once, never lost.
      ctx.logger.error({ err, rows: rows.length }, 'recording delivery outcomes failed'),
    );
  return {
    /** One round; returns how many notifications it leased. */
    async round(): Promise<number> {
      const leased = await leaseDue(ctx, ctx.config.DELIVERY_BATCH_SIZE);
      if (leased.length === 0) return 0;
      // The round's recipients in a few requests to auth; a failed lookup fails (and retries) those sends.
      const contacts = await ctx.fetchContacts(leased.map((l) => l.userId)).catch((err: Error) => err);
      const contactOf = (log: LeasedLog): Contact | Error =>
        contacts instanceof Error ? contacts : (contacts.get(log.userId) ?? new Error('auth.contact left it out'));
      // Digest content in a few requests to recommendation, only for recipients auth still knows (an erased
      // user is never asked about, so no list is built for them again).
      const digestUsers = leased
        .filter((l) => l.kind === 'weekly_digest')
        .filter((l) => {
          const c = contactOf(l);
          return !(c instanceof Error) && c.found;
        })
        .map((l) => l.userId);
      const digests =
        digestUsers.length === 0
          ? new Map<string, MovieLine[]>()
          : await ctx.fetchRecommendations(digestUsers, ctx.config.DIGEST_ITEMS).catch((err: Error) => err);
      const outcomes = await mapLimit(leased, ctx.config.DELIVERY_CONCURRENCY, async (log) => {
        const movies =
          log.kind !== 'weekly_digest'
            ? undefined
            : digests instanceof Error
              ? digests
              : (digests.get(log.userId) ?? new Error('recommendation.for-users was not asked about this user'));
        return finished(ctx, log, await sendOne(ctx, log, contactOf(log), movies));
      });
      await recording;
      recording = record(outcomes);
      return leased.length;
    },
    /** Waits for the last round's outcomes to be recorded. */
    flush: () => recording,
  };
}
