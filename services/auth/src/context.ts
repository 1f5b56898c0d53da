import type { SessionsRevoked } from '@marquee/platform-bus';
import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import { createMetricsRegistry, type Registry } from '@marquee/platform-metrics';
import { createPasswordHasher, type PasswordHasher } from './accounts/password-hashing';
import type { AuthCoreConfig } from './config';
import { FieldCipher } from '@marquee/platform-crypto';
import { SigningKeyStore } from './keys/signing-keys';
import type { SessionLifetimes } from './sessions/refresh-tokens';

/** What the use cases need, built once per process (main, tests and CLIs alike). */
export interface AuthContext {
  database: Database;
  logger: Logger;
  /** The service's one registry (/metrics); a CLI's is its own and never served. */
  metrics: Registry;
  cipher: FieldCipher;
  emailHashKey: Buffer;
  passwords: PasswordHasher;
  keys: SigningKeyStore;
  sessions: SessionLifetimes;
  /** Tells the gateway (NATS) which sessions just ended, so their live streams close; a no-op in CLIs. */
  announceRevoked(revoked: SessionsRevoked): void;
}

export async function createAuthContext(
  config: AuthCoreConfig,
  deps: { database: Database; logger: Logger; metrics?: Registry },
): Promise<AuthContext> {
  const cipher = FieldCipher.fromConfig(config.AUTH_ENCRYPTION_KEYS, config.AUTH_ENCRYPTION_ACTIVE_KID, {
    keys: 'AUTH_ENCRYPTION_KEYS',
    activeKid: 'AUTH_ENCRYPTION_ACTIVE_KID',
  });
  const emailHashKey = Buffer.from(config.AUTH_EMAIL_HASH_KEY, 'base64');
  if (emailHashKey.length < 32) throw new Error('AUTH_EMAIL_HASH_KEY must decode to at least 32 bytes');
  return {
    database: deps.database,
    logger: deps.logger,
    metrics: deps.metrics ?? createMetricsRegistry('auth'),
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
    sessions: {
      refreshTokenTtlDays: config.AUTH_REFRESH_TOKEN_TTL_DAYS,
      sessionMaxDays: config.AUTH_SESSION_MAX_DAYS,
    },
    announceRevoked: () => {},
  };
}
