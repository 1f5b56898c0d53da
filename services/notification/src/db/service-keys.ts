import { randomBytes } from 'node:crypto';
import type { Database } from '@marquee/platform-db';
import { eq } from 'drizzle-orm';
import webpush from 'web-push';
import { serviceKeys } from './schema';

/** Reads a key the service made for itself, making it on first start; the first replica to insert wins. */
async function keyOf<T>(database: Database, name: string, make: () => T): Promise<T> {
  await database.db.insert(serviceKeys).values({ name, value: make() }).onConflictDoNothing();
  const [row] = await database.db.select().from(serviceKeys).where(eq(serviceKeys.name, name));
  return (row as { value: T }).value;
}

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export function loadVapidKeys(database: Database): Promise<VapidKeys> {
  return keyOf(database, 'vapid', () => webpush.generateVAPIDKeys());
}

/** The link-signing key: the configured one, else one made and stored on first start. */
export async function loadLinkKey(database: Database, configured: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'base64');
  const b64 = await keyOf(database, 'link-signing', () => randomBytes(32).toString('base64'));
  return Buffer.from(b64, 'base64');
}
