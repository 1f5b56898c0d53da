import { KEYRING_PATTERN, KID_PATTERN } from '@marquee/platform-crypto';
import { commonConfig, databaseConfig, type Static, Type } from '@marquee/platform-config';
import { serviceConfig } from '@marquee/platform-service/config';

/** Keys the use cases need, in the service and in its CLIs. */
const accountConfig = {
  AUTH_ENCRYPTION_KEYS: Type.String({
    pattern: KEYRING_PATTERN,
    description:
      'AES-256-GCM keys for PII and private signing keys, `kid:base64(32 bytes)` comma-separated. Keep retired keys listed until `reencrypt` has run.',
  }),
  AUTH_ENCRYPTION_ACTIVE_KID: Type.String({
    pattern: KID_PATTERN,
    description: 'Which key of AUTH_ENCRYPTION_KEYS encrypts new values.',
  }),
  AUTH_EMAIL_HASH_KEY: Type.String({
    pattern: '^[A-Za-z0-9+/=]{43,}$',
    description: 'base64 HMAC-SHA256 key (>= 32 bytes) for the email lookup hash. Changing it orphans every login.',
  }),
  AUTH_ACCESS_TOKEN_TTL_SECONDS: Type.Integer({
    minimum: 30,
    maximum: 3600,
    default: 900,
    description: 'Access token lifetime.',
  }),
  AUTH_REFRESH_TOKEN_TTL_DAYS: Type.Integer({
    minimum: 1,
    maximum: 365,
    default: 30,
    description: 'Refresh token lifetime.',
  }),
  AUTH_SESSION_MAX_DAYS: Type.Integer({
    minimum: 1,
    maximum: 365,
    default: 90,
    description: 'Longest a login lasts however often it is refreshed; then the user signs in again.',
  }),
  AUTH_RETIRED_KEY_PUBLISH_HOURS: Type.Integer({
    minimum: 1,
    default: 24,
    description: 'How long a retired signing key stays in the JWKS (must exceed the access token lifetime).',
  }),
  AUTH_ARGON2_MEMORY_KIB: Type.Integer({
    minimum: 19456,
    default: 19456,
    description: 'argon2id memory cost (OWASP minimum 19 MiB with 2 iterations).',
  }),
  AUTH_ARGON2_TIME_COST: Type.Integer({ minimum: 2, default: 2, description: 'argon2id iterations.' }),
};

/** The CLIs (reencrypt, rotate-signing-key, create-admin, migrate) need only the database and the keys. */
export const authCliConfig = { ...commonConfig, ...databaseConfig, ...accountConfig };

export const authConfig = {
  ...serviceConfig,
  ...accountConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001, description: 'HTTP port.' }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 16384, description: 'Largest accepted request body.' }),
  NATS_SUBJECT_PREFIX: Type.String({
    default: '',
    description: 'Prefix of the NATS subjects auth answers (gdpr.export.auth); tests isolate themselves with it.',
  }),
  TRUSTED_PROXIES: Type.String({
    pattern: '^$|^[\\w.:/]+(,[\\w.:/]+)*$',
    default: 'loopback',
    description:
      'The gateway: addresses, CIDRs or host names (comma-separated; `loopback` = 127.0.0.0/8 and ::1; names looked up every 30 s). Only its X-Forwarded-For names the client whose login attempts are counted. Empty: trust nobody.',
  }),
  AUTH_REDIS_PREFIX: Type.String({
    default: 'auth:',
    pattern: '^[\\w.:-]+$',
    description: 'Prefix of every Redis key auth writes (login failure counters).',
  }),
  AUTH_LOGIN_WINDOW_SECONDS: Type.Integer({
    minimum: 10,
    default: 900,
    description: 'Window of the login failure counters.',
  }),
  AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: Type.Integer({
    minimum: 1,
    default: 5,
    description: 'Failed logins per account per window before 429.',
  }),
  AUTH_LOGIN_MAX_FAILURES_PER_IP: Type.Integer({
    minimum: 1,
    default: 20,
    description: 'Failed logins per client IP per window before 429.',
  }),
  AUTH_BOOTSTRAP_ADMIN_EMAIL: Type.String({
    default: '',
    description: 'When set with the password, this admin is created at start if missing.',
  }),
  AUTH_BOOTSTRAP_ADMIN_PASSWORD: Type.String({
    default: '',
    description: 'Password of the bootstrap admin (must pass the password policy).',
  }),
  AUTH_BOOTSTRAP_ADMIN_USERNAME: Type.String({ default: 'admin', description: 'Username of the bootstrap admin.' }),
};

export const authCliSchema = Type.Object(authCliConfig);
export const authSchema = Type.Object(authConfig);
export type AuthCoreConfig = Static<typeof authCliSchema>;
export type AuthConfig = Static<typeof authSchema>;
