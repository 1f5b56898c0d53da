import { type Static, Type } from '@marquee/platform-config';
import { roleConfig, serviceConfig } from '@marquee/platform-service/config';

export const recommendationConfigSchema = Type.Object({
  ...serviceConfig,
  ...roleConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3004, description: 'HTTP port.' }),
  AUTH_JWKS_URL: Type.String({
    default: 'http://127.0.0.1:3001/.well-known/jwks.json',
    description: 'Where access-token signing keys are published (auth).',
  }),
  AUTH_TOKEN_CACHE_SIZE: Type.Integer({
    minimum: 0,
    default: 10_000,
    description:
      'Verified access tokens remembered until they expire, so a client reading its list again skips the signature check (as the gateway does); 0: verify every request.',
  }),
  NATS_SUBJECT_PREFIX: Type.String({
    default: '',
    description:
      'Prefix of the NATS subjects used (live.user.<id>, gdpr.export.recommendation); tests isolate with it.',
  }),
  CACHE_KEY_PREFIX: Type.String({
    default: 'recommendation:',
    pattern: '^[\\w.:-]+$',
    description: 'Prefix of every Redis key written (stored recommendation lists).',
  }),
  RECOMMENDATION_CACHE_TTL_SECONDS: Type.Integer({
    minimum: 10,
    default: 86_400,
    description: 'Lifetime of a cached recommendation list (a fold-in or retrain rewrites it sooner).',
  }),
  RECOMMENDATION_LIST_SIZE: Type.Integer({
    minimum: 10,
    maximum: 200,
    default: 50,
    description: 'How many recommendations are stored per user (and the largest limit served).',
  }),
  RECOMMENDATION_STORE_DELAY_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 60_000,
    description:
      "How long a recomputed list waits before it is written into user_recommendations and published as recommendations.generated (Redis and the API have it at once; a click or an export stores the user's waiting list first): a user's fold-ins within it write the table and publish the event once. 0: in the fold-in's own transaction.",
  }),
  RECOMMENDATION_FOLD_IN_INTERVAL_MS: Type.Integer({
    minimum: 0,
    maximum: 600_000,
    default: 5000,
    description:
      "Shortest time between two of the consumer's fold-ins of one user: the first interaction after a quiet spell refreshes the user's list at once, those within this time after it together once it ends (a user interacting every 2 s is folded in once per interval, not per interaction). 0, or RECOMMENDATION_STORE_DELAY_MS 0: every consumed chunk folds its users in.",
  }),
  RECOMMENDATION_FOLD_IN_PACE_ABOVE: Type.Integer({
    minimum: 0,
    maximum: 1_000_000,
    default: 100,
    description:
      'Fold-ins a second a consumer process is asked for (users of consumed chunks, over the last second) above which RECOMMENDATION_FOLD_IN_INTERVAL_MS paces them; at or below it every interaction is folded in at once. 0: paced whatever the rate.',
  }),
  RECOMMENDATION_RETRAIN_MINUTES: Type.Integer({
    minimum: 0,
    default: 360,
    description: 'Minutes between scheduled full retrains (0: only at start and by command).',
  }),
  RECOMMENDATION_FOLLOW_MS: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 2000,
    description:
      "How often a process looks at what the service's other processes changed: a retrain an admin commanded of one of them (followed here too) and, with SERVICE_ROLE=api, the movies the worker projected (a deleted movie leaves the lists this process folds in within it).",
  }),
  RECOMMENDATION_EXPERIMENTS: Type.String({
    default: '[{"variant":"control","weight":1,"algorithm":"hybrid"}]',
    description:
      'JSON list of variants {variant, weight, algorithm, blend?: {collaborative, users?, sequence?, content, trending}, diversity?}; users are assigned by a hash of their id.',
  }),
  RECOMMENDATION_EXPERIMENT_SALT: Type.String({
    default: 'marquee-2026',
    description: 'Changing it reshuffles every user into new buckets (a new experiment).',
  }),
});
export type RecommendationConfig = Static<typeof recommendationConfigSchema>;
