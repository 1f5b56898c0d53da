import { type NatsConnection, type Subscription, serveJson, Subjects } from '@marquee/platform-bus';
import { forAllUsers, withUser } from '@marquee/platform-db';
import { inArray } from 'drizzle-orm';
import { findUserById } from '../accounts/find-users';
import { piiContext, type UserRow } from '../accounts/user-record';
import { users } from '../db/schema';
import type { AuthContext } from '../context';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a sender needs at the moment of sending; absent fields are omitted. */
export type ContactReply =
  | { found: false }
  | {
      found: true;
      email: string;
      firstName?: string;
      preferredLanguage?: string;
      timezone?: string;
      deviceToken?: string;
      deviceType?: 'ios' | 'android' | 'web';
    };

function contactOf(ctx: AuthContext, row: UserRow | undefined): ContactReply {
  if (!row?.isActive) return { found: false };
  const deviceToken = ctx.cipher.decryptOptional(row.deviceTokenEncrypted, piiContext.deviceToken(row.id));
  return {
    found: true,
    email: ctx.cipher.decrypt(row.emailEncrypted, piiContext.email(row.id)),
    ...(row.firstName ? { firstName: row.firstName } : {}),
    preferredLanguage: row.preferredLanguage,
    timezone: row.timezone,
    ...(deviceToken ? { deviceToken } : {}),
    ...(row.deviceType ? { deviceType: row.deviceType as 'ios' | 'android' | 'web' } : {}),
  };
}

/** A user's decrypted contact details; an inactive account is not found, so nothing is sent to it. */
export async function findContact(ctx: AuthContext, userId: string): Promise<ContactReply> {
  return contactOf(ctx, await withUser(ctx.database.db, userId, (tx) => findUserById(tx, userId)));
}

/** Most users one `{ userIds }` request may name. */
export const MAX_CONTACTS_PER_REQUEST = 200;

/**
 * Several users' contact details in one query, in the order asked: a digest run asks for a round of recipients
 * at once instead of one request and one transaction each. Acts for all users (the asker is notification, whom
 * the NATS permissions alone admit), like the single lookup acting for the one user it names.
 */
export async function findContacts(ctx: AuthContext, userIds: string[]): Promise<ContactReply[]> {
  const rows = await forAllUsers(ctx.database.db, (tx) => tx.select().from(users).where(inArray(users.id, userIds)));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return userIds.map((id) => contactOf(ctx, byId.get(id)));
}

/**
 * Answers `auth.contact` so the notification service keeps no copy of addresses or device tokens: erasure here
 * reaches every later send. `{ userId }` → a ContactReply; `{ userIds }` (1 to 200) → `{ contacts }` in that
 * order. NATS permissions limit who may ask.
 */
export function serveContactRequests(nats: NatsConnection, ctx: AuthContext, subjectPrefix = ''): Subscription {
  return serveJson<{ userId?: unknown; userIds?: unknown }, ContactReply | { contacts: ContactReply[] }>(
    nats,
    `${subjectPrefix}${Subjects.authContact}`,
    async (req) => {
      if (req?.userIds !== undefined) {
        const ids = req.userIds;
        if (
          !Array.isArray(ids) ||
          ids.length === 0 ||
          ids.length > MAX_CONTACTS_PER_REQUEST ||
          !ids.every((id) => typeof id === 'string' && UUID_RE.test(id))
        ) {
          throw new Error(`userIds must be 1 to ${MAX_CONTACTS_PER_REQUEST} uuids`);
        }
        return { contacts: await findContacts(ctx, ids as string[]) };
      }
      if (typeof req?.userId !== 'string' || !UUID_RE.test(req.userId)) throw new Error('userId must be a uuid');
      return findContact(ctx, req.userId);
    },
    { queue: 'auth' },
  );
}
