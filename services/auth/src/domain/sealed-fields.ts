import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SEALED_FIELDS = ['email', 'firstName', 'lastName', 'deviceToken'] as const;
export type SealedField = (typeof SEALED_FIELDS)[number];

export interface SealedUserFields {
  alg: 'A256GCM';
  keyId: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  deviceToken?: string;
}

/** A user's data key: 32 random bytes and the id events name it by. */
export interface UserDataKey {
  keyId: string;
  key: Buffer;
}

const aad = (userId: string, field: SealedField) => Buffer.from(`${userId}:${field}`);

/** Seals the given personal fields of one user's event (`iv.tag.ciphertext`, base64), each bound to user and field. */
export function sealUserFields(
  dataKey: UserDataKey,
  userId: string,
  values: Partial<Record<SealedField, string | null>>,
): SealedUserFields {
  const sealed: SealedUserFields = { alg: 'A256GCM', keyId: dataKey.keyId };
  for (const field of SEALED_FIELDS) {
    const value = values[field];
    if (value === undefined || value === null) continue;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', dataKey.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(userId, field));
    const ct = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    sealed[field] = [iv, cipher.getAuthTag(), ct].map((b) => b.toString('base64')).join('.');
  }
  return sealed;
}

/** Opens sealed fields with the user's key; throws when the key or the value is not the right one. */
export function openUserFields(
  dataKey: UserDataKey,
  userId: string,
  sealed: SealedUserFields,
): Partial<Record<SealedField, string>> {
  if (sealed.keyId !== dataKey.keyId) throw new Error(`sealed under key ${sealed.keyId}, not ${dataKey.keyId}`);
  const out: Partial<Record<SealedField, string>> = {};
  for (const field of SEALED_FIELDS) {
    const value = sealed[field];
    if (value === undefined) continue;
    const parts = value.split('.').map((p) => Buffer.from(p, 'base64'));
    const [iv, tag, ct] = parts as [Buffer, Buffer, Buffer];
    if (parts.length !== 3 || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new Error(`sealed ${field} is malformed`);
    }
    const decipher = createDecipheriv('aes-256-gcm', dataKey.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(userId, field));
    decipher.setAuthTag(tag);
    out[field] = Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  }
  return out;
}
