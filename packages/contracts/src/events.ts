import { Type } from '@sinclair/typebox';
import { IsoDateTime, Uuid, defineEvent } from './envelope';

/** Topic names, `<service>.<aggregate>.v<major>`, each keyed by the aggregate id. */
export const Topics = {
  authUser: 'auth.user.v1',
  catalogMovie: 'catalog.movie.v1',
  interaction: 'interaction.v1',
  recommendation: 'recommendation.v1',
  notification: 'notification.v1',
  activity: 'activity.v1',
  analyticsTrending: 'analytics.trending.v1',
} as const;
export type TopicName = (typeof Topics)[keyof typeof Topics];

const HOUR_MS = 3_600_000;
/**
 * Topic-level Kafka settings that belong to the contract (ensureTopics applies them on create and on start).
 * auth.user.v1 is compacted: a new consumer needs each user's latest snapshot, not their history, and once a
 * user is erased their user.deleted (no PII) replaces every earlier snapshot (email, names). The cleaner only
 * reaches closed segments, and a segment closes when a record arrives after segment.ms (an hour), so on a
 * partition with traffic that is within ~25 h (segment.ms + max.compaction.lag.ms); a silent partition keeps
 * its open segment until its next record.
 */
export const TopicConfigs: Readonly<Partial<Record<TopicName, Readonly<Record<string, string>>>>> = {
  [Topics.authUser]: {
    'cleanup.policy': 'compact',
    'max.compaction.lag.ms': String(24 * HOUR_MS),
    'segment.ms': String(HOUR_MS),
  },
};

/**
 * Every `<topic>.dlq`: failed events wait there for a person to look, not for ever; a week bounds how long a
 * copy (sealed personal fields included) outlives the original.
 */
export const DlqTopicConfig: Readonly<Record<string, string>> = {
  'cleanup.policy': 'delete',
  'retention.ms': String(7 * 24 * HOUR_MS),
};

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const MovieId = Type.Integer({ minimum: 1 });

export const DeviceType = Type.Union([Type.Literal('ios'), Type.Literal('android'), Type.Literal('web')]);

/**
 * The personal fields of a user snapshot, sealed by auth (AES-256-GCM) under a key of that user
 * only, which auth destroys on erasure: every copy (outbox, topic, DLQ, backups, projections that
 * keep it) becomes unreadable at once. Each value is `base64(iv).base64(tag).base64(ciphertext)`,
 * bound to `<userId>:<field>` as authenticated data. Only auth can open them; a service that needs a
 * plain value when it acts (notification's recipient address) asks auth (NATS auth.contact).
 */
export const SealedUserFields = Type.Object({
  alg: Type.Literal('A256GCM'),
  keyId: Type.String({ description: "Id of the user's data key held by auth" }),
  email: Type.Optional(Type.String()),
  firstName: Type.Optional(Type.String()),
  lastName: Type.Optional(Type.String()),
  deviceToken: Type.Optional(Type.String()),
});

/**
 * What other services may know of a user. Since crypto-shredding, auth leaves email, firstName,
 * lastName and deviceToken out and carries them in `sealed`; consumers must erase on user.deleted.
 */
export const UserSnapshot = Type.Object({
  userId: Uuid,
  username: Type.String(),
  email: Type.Optional(Type.String()),
  firstName: Type.Optional(Type.String()),
  lastName: Type.Optional(Type.String()),
  isActive: Type.Boolean(),
  isStaff: Type.Boolean(),
  isPremium: Type.Boolean(),
  preferredLanguage: Type.String(),
  timezone: Type.String(),
  country: Nullable(Type.String()),
  deviceToken: Type.Optional(Nullable(Type.String())),
  deviceType: Nullable(DeviceType),
  favoriteGenres: Type.Array(Type.Integer()),
  dateJoined: IsoDateTime,
  sealed: Type.Optional(SealedUserFields),
});

export const UserRegistered = defineEvent({
  type: 'user.registered',
  version: 1,
  topic: Topics.authUser,
  source: 'auth',
  schema: UserSnapshot,
});
export const UserUpdated = defineEvent({
  type: 'user.updated',
  version: 1,
  topic: Topics.authUser,
  source: 'auth',
  schema: Type.Composite([UserSnapshot, Type.Object({ changed: Type.Array(Type.String()) })]),
});
export const UserDeleted = defineEvent({
  type: 'user.deleted',
  version: 1,
  topic: Topics.authUser,
  source: 'auth',
  schema: Type.Object({ userId: Uuid, deletedAt: IsoDateTime }),
});

export const GenreRef = Type.Object({
  id: Type.Integer(),
  tmdbId: Nullable(Type.Integer()),
  name: Type.String(),
  slug: Type.String(),
});

export const MovieSnapshot = Type.Object({
  movieId: MovieId,
  tmdbId: Nullable(Type.Integer()),
  omdbId: Nullable(Type.String()),
  title: Type.String(),
  originalTitle: Nullable(Type.String()),
  overview: Nullable(Type.String()),
  tagline: Nullable(Type.String()),
  releaseDate: Nullable(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
  runtime: Nullable(Type.Integer()),
  director: Nullable(Type.String()),
  mainCast: Type.Array(Type.String()),
  tmdbRating: Nullable(Type.Number()),
  tmdbVoteCount: Nullable(Type.Integer()),
  omdbRating: Nullable(Type.Number()),
  ourRating: Nullable(Type.Number()),
  posterPath: Nullable(Type.String()),
  backdropPath: Nullable(Type.String()),
  popularityScore: Nullable(Type.Number()),
  viewCount: Type.Integer(),
  likeCount: Type.Integer(),
  adult: Type.Boolean(),
  originalLanguage: Nullable(Type.String()),
  genres: Type.Array(GenreRef),
  updatedAt: IsoDateTime,
});

export const MovieUpserted = defineEvent({
  type: 'movie.upserted',
  version: 1,
  topic: Topics.catalogMovie,
  source: 'catalog',
  schema: MovieSnapshot,
});
export const MovieDeleted = defineEvent({
  type: 'movie.deleted',
  version: 1,
  topic: Topics.catalogMovie,
  source: 'catalog',
  schema: Type.Object({ movieId: MovieId, tmdbId: Nullable(Type.Integer()), deletedAt: IsoDateTime }),
});

export const InteractionType = Type.Union(
  ['view', 'like', 'dislike', 'favorite', 'watchlist', 'rating'].map((t) => Type.Literal(t)),
);
export const FeedbackType = Type.Union(
  ['positive', 'negative', 'not_interested', 'already_seen'].map((t) => Type.Literal(t)),
);
export const InteractionSource = Type.Union(['web', 'mobile', 'email', 'push'].map((t) => Type.Literal(t)));

const InteractionFacts = Type.Object({
  interactionId: Type.String(),
  userId: Uuid,
  movieId: MovieId,
  interactionType: InteractionType,
  rating: Nullable(Type.Integer({ minimum: 1, maximum: 5 })),
  feedbackType: Nullable(FeedbackType),
  // The comment itself is free text a person wrote (personal data): it stays in the interaction service.
  hasFeedbackComment: Type.Boolean(),
  source: InteractionSource,
  at: IsoDateTime,
});

export const InteractionRecorded = defineEvent({
  type: 'interaction.recorded',
  version: 1,
  topic: Topics.interaction,
  source: 'interaction',
  // previousRating lets counters move a mean when a rating is changed, without calling back.
  schema: Type.Composite([
    InteractionFacts,
    Type.Object({ previousRating: Nullable(Type.Integer({ minimum: 1, maximum: 5 })) }),
  ]),
});
export const InteractionRemoved = defineEvent({
  type: 'interaction.removed',
  version: 1,
  topic: Topics.interaction,
  source: 'interaction',
  schema: InteractionFacts,
});

export const Algorithm = Type.Union(
  ['collaborative', 'content_based', 'hybrid', 'trending'].map((t) => Type.Literal(t)),
);

export const RecommendationsGenerated = defineEvent({
  type: 'recommendations.generated',
  version: 1,
  topic: Topics.recommendation,
  source: 'recommendation',
  schema: Type.Object({
    userId: Uuid,
    algorithm: Algorithm,
    /** Experiment variant the user is assigned to, so analytics can compare click-through by variant. */
    variant: Type.Optional(Type.String()),
    generatedAt: IsoDateTime,
    items: Type.Array(
      Type.Object({
        movieId: MovieId,
        score: Type.Number({ minimum: 0, maximum: 1 }),
        rank: Type.Integer({ minimum: 1 }),
      }),
    ),
  }),
});
export const RecommendationClicked = defineEvent({
  type: 'recommendation.clicked',
  version: 1,
  topic: Topics.recommendation,
  source: 'recommendation',
  schema: Type.Object({
    userId: Uuid,
    movieId: MovieId,
    algorithm: Algorithm,
    variant: Type.Optional(Type.String()),
    clickedAt: IsoDateTime,
  }),
});

const NotificationFacts = Type.Object({
  notificationId: Type.String(),
  userId: Uuid,
  channel: Type.Union([Type.Literal('email'), Type.Literal('push')]),
  kind: Type.Union(['weekly_digest', 'recommendation_alert', 'trending_alert'].map((t) => Type.Literal(t))),
  at: IsoDateTime,
  externalId: Type.Optional(Nullable(Type.String())),
  error: Type.Optional(Nullable(Type.String())),
  movieId: Type.Optional(Nullable(MovieId)),
});
const notificationEvent = (status: string) =>
  defineEvent({
    type: `notification.${status}`,
    version: 1,
    topic: Topics.notification,
    source: 'notification',
    schema: NotificationFacts,
  });
export const NotificationSent = notificationEvent('sent');
export const NotificationDelivered = notificationEvent('delivered');
export const NotificationFailed = notificationEvent('failed');
export const NotificationOpened = notificationEvent('opened');
export const NotificationClicked = notificationEvent('clicked');

export const ActionType = Type.Union(
  [
    'movie_view',
    'movie_search',
    'recommendation_click',
    'email_open',
    'email_click',
    'push_click',
    'rating_submit',
    'favorite_add',
    'watchlist_add',
    // Added for analytics' metrics (services/analytics/README.md): likes and dislikes from interaction.v1,
    // impressions from recommendations.generated (a list is one row, counted once per movie), and a push opened.
    'movie_like',
    'movie_dislike',
    'recommendation_impression',
    'push_open',
  ].map((t) => Type.Literal(t)),
);

export const ActivityLogged = defineEvent({
  type: 'activity.logged',
  version: 1,
  topic: Topics.activity,
  source: 'gateway',
  schema: Type.Object({
    userId: Nullable(Uuid),
    sessionId: Type.String({ minLength: 1, maxLength: 128 }),
    actionType: ActionType,
    movieId: Nullable(MovieId),
    // Truncated (IPv4 /24, IPv6 /48) before it leaves the gateway: never a full address.
    ipPrefix: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    referer: Nullable(Type.String()),
    source: Nullable(InteractionSource),
    metadata: Type.Record(Type.String(), Type.Unknown()),
    at: IsoDateTime,
  }),
});

export const TrendingUpdated = defineEvent({
  type: 'trending.updated',
  version: 1,
  topic: Topics.analyticsTrending,
  source: 'analytics',
  schema: Type.Object({
    date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    movies: Type.Array(Type.Object({ movieId: MovieId, score: Type.Number(), rank: Type.Integer({ minimum: 1 }) })),
  }),
});

/** Every event of the platform, by type. */
export const AllEvents = [
  UserRegistered,
  UserUpdated,
  UserDeleted,
  MovieUpserted,
  MovieDeleted,
  InteractionRecorded,
  InteractionRemoved,
  RecommendationsGenerated,
  RecommendationClicked,
  NotificationSent,
  NotificationDelivered,
  NotificationFailed,
  NotificationOpened,
  NotificationClicked,
  ActivityLogged,
  TrendingUpdated,
] as const;
