import { type NatsConnection, requestJson, Subjects } from '@marquee/platform-bus';

/** auth.contact's answer (see services/auth/src/contact); held in memory for one delivery round, never stored. */
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

/** Users named in one auth.contact request (auth accepts up to 200). */
const PER_REQUEST = 100;

/**
 * Asks auth for users' contact details at the moment of sending (erasure in auth takes effect at once), a
 * round's recipients in requests of up to 100 (`{ userIds }` → `{ contacts }`), sent side by side.
 */
export function contactClient(nats: NatsConnection, subjectPrefix: string, timeoutMs: number) {
  const subject = `${subjectPrefix}${Subjects.authContact}`;
  return async (userIds: string[]): Promise<Map<string, Contact>> => {
    const unique = [...new Set(userIds)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += PER_REQUEST) chunks.push(unique.slice(i, i + PER_REQUEST));
    const answers = await Promise.all(
      chunks.map((ids) => requestJson<{ contacts: Contact[] }>(nats, subject, { userIds: ids }, timeoutMs)),
    );
    const contacts = new Map<string, Contact>();
    for (const [c, ids] of chunks.entries()) {
      const got = answers[c]?.contacts ?? [];
      if (got.length !== ids.length) throw new Error('auth.contact answered a different number of contacts');
      for (const [i, id] of ids.entries()) contacts.set(id, got[i] as Contact);
    }
    return contacts;
  };
}
export type FetchContacts = ReturnType<typeof contactClient>;
