import { KEYRING_PATTERN } from '@marquee/platform-crypto';
import { commonConfig, databaseConfig, type Static, Type } from '@marquee/platform-config';
import { roleConfig, serviceConfig } from '@marquee/platform-service/config';

/** What the data commands (archive, restore, recompute, trending) and the service share. */
const storageConfig = {
  ANALYTICS_RETENTION_MONTHS: Type.Integer({
    minimum: 1,
    default: 12,
    description: 'Monthly log partitions older than this many months are archived (detached, exported, dropped).',
  }),
  ANALYTICS_PARTITIONS_AHEAD: Type.Integer({
    minimum: 1,
    maximum: 24,
    default: 3,
    description: 'Monthly log partitions kept created ahead of the current month.',
  }),
  ANALYTICS_ARCHIVE_DIR: Type.String({
    minLength: 1,
    default: './archive',
    description: 'Folder for archived partitions (<partition>.ndjson.gz with <partition>.manifest.json).',
  }),
  ANALYTICS_TRENDING_DAYS: Type.Integer({
    minimum: 1,
    maximum: 90,
    default: 7,
    description: 'Days of popularity the trending score looks back over.',
  }),
  ANALYTICS_TRENDING_HALF_LIFE_HOURS: Type.Number({
    exclusiveMinimum: 0,
    default: 48,
    description: 'Age at which a day of activity counts half in the trending score.',
  }),
  ANALYTICS_TRENDING_SIZE: Type.Integer({
    minimum: 1,
    maximum: 500,
    default: 50,
    description: 'Movies published in trending.updated.',
  }),
};

export const analyticsCliConfig = { ...commonConfig, ...databaseConfig, ...storageConfig };

export const analyticsConfig = {
  ...serviceConfig,
  ...roleConfig,
  ...storageConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3006, description: 'HTTP port.' }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 16384, description: 'Largest accepted request body.' }),
  AUTH_JWKS_URL: Type.String({
    pattern: '^https?://',
    default: 'http://127.0.0.1:3001/.well-known/jwks.json',
    description: "Auth's JWKS, against which access tokens are verified.",
  }),
  NATS_SUBJECT_PREFIX: Type.String({
    default: '',
    description:
      'Prefix of the NATS subjects analytics answers (gdpr.export.analytics); tests isolate themselves with it.',
  }),
  ANALYTICS_REPORTS_DATABASE_URL: Type.String({
    pattern: '^$|^postgres(ql)?://',
    default: '',
    description: 'Read-only URL (a replica) every report query goes to; empty: reports read the primary.',
  }),
  ANALYTICS_IP_POLICY: Type.Union([Type.Literal('truncate'), Type.Literal('encrypt')], {
    default: 'truncate',
    description:
      'How ip_address is stored: `truncate` keeps the network prefix (/24, /48) only; `encrypt` stores it AES-256-GCM encrypted.',
  }),
  ANALYTICS_IP_KEYS: Type.String({
    pattern: `^$|${KEYRING_PATTERN}`,
    default: '',
    description: 'AES-256-GCM keys for ip_address under the encrypt policy, `kid:base64(32 bytes)` comma-separated.',
  }),
  ANALYTICS_IP_ACTIVE_KID: Type.String({
    pattern: '^$|^[A-Za-z0-9_-]{1,32}$',
    default: '',
    description: 'Which key of ANALYTICS_IP_KEYS encrypts new values.',
  }),
  ANALYTICS_MAINTENANCE_INTERVAL_MS: Type.Integer({
    minimum: 1000,
    default: 6 * 3_600_000,
    description: 'How often partitions are created ahead and old ones archived (also once at start).',
  }),
  ANALYTICS_IMPRESSION_FOLD_MS: Type.Integer({
    minimum: 50,
    default: 2000,
    description:
      'How often the lists of recommendations logged since the last run are counted into popularity_metrics.recommendation_count (how stale that column may be).',
  }),
  ANALYTICS_TRENDING_INTERVAL_MS: Type.Integer({
    minimum: 1000,
    default: 3_600_000,
    description: 'How often trending is computed and published as trending.updated.',
  }),
};

export const analyticsCliSchema = Type.Object(analyticsCliConfig);
export const analyticsSchema = Type.Object(analyticsConfig);
export type AnalyticsCliConfig = Static<typeof analyticsCliSchema>;
export type AnalyticsConfig = Static<typeof analyticsSchema>;
