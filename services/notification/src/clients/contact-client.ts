import { type NatsConnection, requestJson, Subjects } from '@marquee/platform-bus';

/** auth.contact's answer (see services/auth/src/contact); held in memory for one send, never stored. */
export type Contact =
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

/** Asks auth for a user's contact details at the moment of sending (erasure in auth takes effect at once). */
export function contactClient(nats: NatsConnection, subjectPrefix: string, timeoutMs: number) {
  const subject = `${subjectPrefix}${Subjects.authContact}`;
  return (userId: string): Promise<Contact> => requestJson<Contact>(nats, subject, { userId }, timeoutMs);
}
export type FetchContact = ReturnType<typeof contactClient>;
