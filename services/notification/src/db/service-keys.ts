import { randomBytes } from 'node:crypto';
import type { FieldCipher } from '@marquee/platform-crypto';
import type { Database } from '@marquee/platform-db';
import { and, eq, sql } from 'drizzle-orm';
import webpush from 'web-push';
import { serviceKeys } from './schema';

/**
 * Reads a key the service made for itself, making it on first start (the first replica to insert wins). The
 * secret part is stored sealed (NOTIFICATION_ENCRYPTION_KEYS); a row from before sealing, or sealed under a
 * retired key, is sealed again under the active key here.
 */
async function keyOf<T>(
  database: Database,
  cipher: FieldCipher,
  name: string,
  make: () => T,
  secret: { get(value: T): string; with(value: T, secret: string): T },
): Promise<T> {
  const context = `service_keys.${name}`;
  const made = make();
  await database.db
    .insert(serviceKeys)
    .values({ name, value: secret.with(made, cipher.encrypt(secret.get(made), context)) })
    .onConflictDoNothing();
  const [row] = await database.db.select().from(serviceKeys).where(eq(serviceKeys.name, name));
  const stored = (row as { value: T }).value;
  const held = secret.get(stored);
  const plain = cipher.isEncrypted(held) ? cipher.decrypt(held, context) : held;
  if (!cipher.isEncrypted(held) || cipher.isStale(held)) {
    // Only if no other replica rewrote it meanwhile; either way the secret is the same.
    await database.db
      .update(serviceKeys)
      .set({ value: secret.with(stored, cipher.encrypt(plain, context)) })
      .where(and(eq(serviceKeys.name, name), sql`${serviceKeys.value} = ${JSON.stringify(stored)}::jsonb`));
  }
  return secret.with(stored, plain);
}

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export function loadVapidKeys(database: Database, cipher: FieldCipher): Promise<VapidKeys> {
  return keyOf(database, cipher, 'vapid', () => webpush.generateVAPIDKeys(), {
    get: (v) => v.privateKey,
    with: (v, privateKey) => ({ publicKey: v.publicKey, privateKey }),
  });
}

/** The link-signing key: the configured one, else one made and stored (sealed) on first start. */
export async function loadLinkKey(database: Database, cipher: FieldCipher, configured: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'base64');
  const b64 = await keyOf(database, cipher, 'link-signing', () => randomBytes(32).toString('base64'), {
    get: (v) => v,
    with: (_v, s) => s,
  });
  return Buffer.from(b64, 'base64');
}
