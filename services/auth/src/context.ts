import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import { createPasswordHasher, type PasswordHasher } from './accounts/password-hashing';
import type { AuthCoreConfig } from './config';
import { FieldCipher } from './domain/field-encryption';
import { SigningKeyStore } from './keys/signing-keys';

/** What the use cases need, built once per process (main, tests and CLIs alike). */
export interface AuthContext {
  database: Database;
  logger: Logger;
  cipher: FieldCipher;
  emailHashKey: Buffer;
  passwords: PasswordHasher;
  keys: SigningKeyStore;
  refreshTokenTtlDays: number;
}

export async function createAuthContext(
  config: AuthCoreConfig,
  deps: { database: Database; logger: Logger },
): Promise<AuthContext> {
  const cipher = FieldCipher.fromConfig(config.AUTH_ENCRYPTION_KEYS, config.AUTH_ENCRYPTION_ACTIVE_KID);
  const emailHashKey = Buffer.from(config.AUTH_EMAIL_HASH_KEY, 'base64');
  if (emailHashKey.length < 32) throw new Error('AUTH_EMAIL_HASH_KEY must decode to at least 32 bytes');
  return {
    database: deps.database,
    logger: deps.logger,
    cipher,
    emailHashKey,
    passwords: await createPasswordHasher({
      memoryCost: config.AUTH_ARGON2_MEMORY_KIB,
      timeCost: config.AUTH_ARGON2_TIME_COST,
    }),
    keys: new SigningKeyStore(deps.database, cipher, {
      accessTokenTtlSeconds: config.AUTH_ACCESS_TOKEN_TTL_SECONDS,
      retiredPublishHours: config.AUTH_RETIRED_KEY_PUBLISH_HOURS,
    }),
    refreshTokenTtlDays: config.AUTH_REFRESH_TOKEN_TTL_DAYS,
  };
}
