import { type NatsConnection, type Subscription, serveJson, Subjects } from '@marquee/platform-bus';
import { withUser } from '@marquee/platform-db';
import { findUserById } from '../accounts/find-users';
import { piiContext } from '../accounts/user-record';
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

/** A user's decrypted contact details; an inactive account is not found, so nothing is sent to it. */
export async function findContact(ctx: AuthContext, userId: string): Promise<ContactReply> {
  const row = await withUser(ctx.database.db, userId, (tx) => findUserById(tx, userId));
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

/**
 * Answers `auth.contact` ({ userId }) so the notification service keeps no copy of addresses or device
 * tokens: erasure here reaches every later send. NATS permissions limit who may ask.
 */
export function serveContactRequests(nats: NatsConnection, ctx: AuthContext, subjectPrefix = ''): Subscription {
  return serveJson<{ userId?: unknown }, ContactReply>(
    nats,
    `${subjectPrefix}${Subjects.authContact}`,
    async (req) => {
      if (typeof req?.userId !== 'string' || !UUID_RE.test(req.userId)) throw new Error('userId must be a uuid');
      return findContact(ctx, req.userId);
    },
    { queue: 'auth' },
  );
}
