import { type Static, Type } from '@marquee/platform-config';
import { KEYRING_PATTERN, KID_PATTERN } from '@marquee/platform-crypto';
import { serviceConfig } from '@marquee/platform-service/config';

export const interactionConfigSchema = Type.Object({
  ...serviceConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3003, description: 'HTTP port of the interaction API.' }),
  AUTH_JWKS_URL: Type.String({
    default: 'http://127.0.0.1:3001/.well-known/jwks.json',
    description: "Auth service's JWKS; every route verifies bearer tokens against it.",
  }),
  AUTH_TOKEN_CACHE_SIZE: Type.Integer({
    minimum: 0,
    default: 10_000,
    description:
      'Verified access tokens remembered until they expire, so a client repeating its token skips the signature check; 0: verify every request.',
  }),
  CATALOG_URL: Type.String({
    pattern: '^https?://[^\\s/]+/?$',
    default: 'http://127.0.0.1:3002',
    description: 'Catalog base URL, asked about a movie not yet projected from catalog.movie.v1 before answering 404.',
  }),
  CATALOG_TIMEOUT_MS: Type.Integer({
    minimum: 50,
    default: 2000,
    description: 'Longest wait for the catalog fallback; past it the request answers 503.',
  }),
  NATS_SUBJECT_PREFIX: Type.String({
    default: '',
    description: 'Prefix of the NATS subjects this service answers (gdpr.export.interaction); tests isolate with it.',
  }),
  WRITE_BATCH_WINDOW_MS: Type.Integer({
    minimum: 0,
    maximum: 50,
    default: 2,
    description: 'How long a write waits for concurrent writes to share its commit (0: commit each write alone).',
  }),
  WRITE_BATCH_MAX: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 100,
    description: 'Most writes sharing one commit.',
  }),
  WRITE_BATCH_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 32,
    default: 4,
    description:
      'Batches committing at once, each on its own pooled connection; writes arriving meanwhile form the next batch.',
  }),
  INTERACTION_ENCRYPTION_KEYS: Type.String({
    pattern: KEYRING_PATTERN,
    description:
      'AES-256-GCM keys for feedback comments at rest, `kid:base64(32 bytes)` comma-separated. Keep a retired key listed until one start under the new active key has re-encrypted the comments.',
  }),
  INTERACTION_ENCRYPTION_ACTIVE_KID: Type.String({
    pattern: KID_PATTERN,
    description: 'Which key of INTERACTION_ENCRYPTION_KEYS encrypts new comments.',
  }),
  BULK_MAX_ITEMS: Type.Integer({
    minimum: 1,
    maximum: 5000,
    default: 1000,
    description: 'Most interactions in one admin import request.',
  }),
});

export type InteractionConfig = Static<typeof interactionConfigSchema>;
