import { KEYRING_PATTERN, KID_PATTERN } from '@marquee/platform-crypto';
import { type Static, Type } from '@marquee/platform-config';
import { serviceConfig } from '@marquee/platform-service/config';

const int = (def: number, minimum: number, description: string) => Type.Integer({ minimum, default: def, description });

/** Where mail and push go; empty credentials turn a channel to its local default or off. */
const channelConfig = {
  SMTP_URL: Type.String({
    default: '',
    description:
      'SMTP server as a URL (smtp://user:pass@host:587, smtps://…); empty writes mail to MAILBOX_DIR instead.',
  }),
  SMTP_POOL_SIZE: int(5, 1, 'SMTP connections kept open for sending.'),
  MAIL_FROM: Type.String({ default: 'Marquee <no-reply@marquee.local>', description: 'From header of every email.' }),
  MAILBOX_DIR: Type.String({
    default: '',
    description: 'Local mailbox folder used when SMTP_URL is empty; empty means <os tmp>/marquee-mailbox.',
  }),
  WEB_PUSH_SUBJECT: Type.String({
    default: 'mailto:admin@marquee.local',
    description: 'VAPID subject (mailto: or https:) sent to Web Push services; the key pair is made on first start.',
  }),
  WEB_PUSH_ALLOWED_HOSTS: Type.String({
    default: '.googleapis.com,.push.services.mozilla.com,.notify.windows.com,.push.apple.com',
    description:
      'Hosts (exact, or suffixes starting with a dot) a Web Push endpoint may use; https only, except explicitly listed loopback hosts.',
  }),
  FCM_SERVICE_ACCOUNT_JSON: Type.String({
    default: '',
    description:
      'Firebase service account JSON (project_id, client_email, private_key, token_uri); empty turns android push off.',
  }),
  FCM_BASE_URL: Type.String({ default: 'https://fcm.googleapis.com', description: 'FCM HTTP v1 API base URL.' }),
  APNS_KEY_PEM: Type.String({ default: '', description: 'APNs auth key (.p8 PEM, ES256); empty turns ios push off.' }),
  APNS_KEY_ID: Type.String({ default: '', description: 'APNs key id (kid of the provider token).' }),
  APNS_TEAM_ID: Type.String({ default: '', description: 'Apple team id (iss of the provider token).' }),
  APNS_TOPIC: Type.String({ default: '', description: 'App bundle id sent as apns-topic.' }),
  APNS_URL: Type.String({ default: 'https://api.push.apple.com', description: 'APNs HTTP/2 endpoint.' }),
};

export const notificationConfigSchema = Type.Object({
  ...serviceConfig,
  ...channelConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3005, description: 'HTTP port.' }),
  BODY_LIMIT_BYTES: int(16384, 1024, 'Largest accepted request body.'),
  AUTH_JWKS_URL: Type.String({
    default: 'http://127.0.0.1:3001/.well-known/jwks.json',
    description: "Auth service's JWKS; bearer tokens are verified against it.",
  }),
  NATS_SUBJECT_PREFIX: Type.String({
    default: '',
    description:
      'Prefix of NATS subjects (auth.contact and recommendation.for-users asked, gdpr.export.notification answered); tests isolate with it.',
  }),
  CONTACT_TIMEOUT_MS: int(3000, 100, 'How long to wait for auth.contact before the send is retried.'),
  CATALOG_URL: Type.String({
    default: 'http://127.0.0.1:3002',
    description: 'Catalog service base URL; alerts read movie titles from GET /v1/movies/{id}.',
  }),
  RECOMMENDATION_TIMEOUT_MS: int(
    5000,
    100,
    'How long to wait for recommendation.for-users (digests; the sends are retried) or a catalog title request.',
  ),
  PUBLIC_BASE_URL: Type.String({
    default: 'http://127.0.0.1:8080/api/v1',
    description: 'Public API base that tracking and unsubscribe links point to (the gateway).',
  }),
  MOVIE_URL_TEMPLATE: Type.String({
    default: 'http://127.0.0.1:8080/api/v1/movies/{movieId}',
    description: 'Where a tracked movie link finally leads; {movieId} is replaced.',
  }),
  NOTIFICATION_ENCRYPTION_KEYS: Type.String({
    pattern: KEYRING_PATTERN,
    description:
      'AES-256-GCM keys sealing the secrets kept in the database (VAPID private key, made link-signing key), `kid:base64(32 bytes)` comma-separated. Keep a retired key listed until one start under the new active key has re-sealed them.',
  }),
  NOTIFICATION_ENCRYPTION_ACTIVE_KID: Type.String({
    pattern: KID_PATTERN,
    description: 'Which key of NOTIFICATION_ENCRYPTION_KEYS seals new values.',
  }),
  LINK_SIGNING_KEY: Type.String({
    default: '',
    pattern: '^([A-Za-z0-9+/=]{43,})?$',
    description:
      'base64 HMAC key (>= 32 bytes) for unsubscribe and tracking links; empty makes one on first start and keeps it in the database.',
  }),
  DIGEST_INTERVAL_MS: int(60_000, 100, 'How often the digest scheduler looks for users whose digest time has come.'),
  DIGEST_CATCH_UP_HOURS: int(24, 1, 'A digest missed while no replica ran is still sent this long after its time.'),
  DIGEST_BATCH_SIZE: int(500, 1, 'Users claimed per scheduler transaction.'),
  DIGEST_ITEMS: int(10, 1, 'Recommendations in one digest.'),
  DELIVERY_INTERVAL_MS: int(1000, 10, 'How often the delivery worker polls for due notifications.'),
  DELIVERY_BATCH_SIZE: int(200, 1, 'Notifications leased per delivery round.'),
  DELIVERY_CONCURRENCY: int(10, 1, 'Notifications sent at once by one replica.'),
  DELIVERY_MAX_ATTEMPTS: int(5, 1, 'Attempts before a notification is marked failed.'),
  DELIVERY_RETRY_BASE_MS: int(30_000, 1, 'First retry delay; it doubles with each attempt.'),
  ALERT_DAILY_CAP: int(3, 0, 'Alerts (recommendation + trending, per channel) a user receives per local day at most.'),
  ALERT_MIN_SCORE: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.8,
    description: 'Score a new pick needs to be alerted.',
  }),
  ALERT_MAX_ITEMS: int(3, 1, 'Movies named in one alert.'),
  ALERT_MAX_AGE_HOURS: int(
    24,
    1,
    'An alert event older than this is not sent (a replay rebuilding the projection sends nothing stale).',
  ),
  CONSUMER_GROUP: Type.String({
    default: 'notification',
    pattern: '^[\\w.-]+$',
    description:
      'Kafka consumer group; a fresh database with a new group replays every topic from the start to rebuild.',
  }),
  LOG_RETENTION_DAYS: int(
    365,
    1,
    'Logs older than this are archived to LOG_ARCHIVE_DIR, then dropped, a quarter at a time.',
  ),
  LOG_PARTITIONS_AHEAD: int(2, 1, 'Quarterly partitions of notification_logs kept created ahead.'),
  LOG_ARCHIVE_DIR: Type.String({
    default: '',
    description:
      'Where dropped log partitions are archived (gzip JSON lines + manifest); empty means <os tmp>/marquee-notification-archive.',
  }),
  MAINTENANCE_INTERVAL_MS: int(3_600_000, 1000, 'How often partitions are created ahead and old ones archived.'),
});

export type NotificationConfig = Static<typeof notificationConfigSchema>;
