import {
  ActivityLogged,
  type Envelope,
  InteractionRecorded,
  NotificationClicked,
  NotificationOpened,
  RecommendationClicked,
  RecommendationsGenerated,
  type Static,
} from '@marquee/contracts';

export type ActionType = Static<typeof ActivityLogged.schema>['actionType'];
export type ActivitySource = 'web' | 'mobile' | 'email' | 'push';

/** One row of user_activity_logs before the IP policy is applied. */
export interface ActivityRow {
  eventId: string;
  seq: number;
  userId: string | null;
  sessionId: string | null;
  actionType: ActionType;
  movieId: number | null;
  /** The network prefix the gateway sent (never a full address). */
  ipPrefix: string | null;
  userAgent: string | null;
  referer: string | null;
  source: ActivitySource | null;
  metadata: Record<string, unknown>;
  occurredAt: Date;
}

const INTERACTION_ACTIONS: Record<string, ActionType> = {
  view: 'movie_view',
  like: 'movie_like',
  dislike: 'movie_dislike',
  favorite: 'favorite_add',
  watchlist: 'watchlist_add',
  rating: 'rating_submit',
};

const MAX_VARIANT = 64;

/** The experiment variant the recommendation service may add (optional, additive), bounded. */
export function variantOf(data: unknown): string | undefined {
  const v = (data as { variant?: unknown }).variant;
  return typeof v === 'string' && v.length > 0 ? v.slice(0, MAX_VARIANT) : undefined;
}

const base = (e: Envelope, occurredAt: string) => ({
  eventId: e.id,
  seq: 0,
  sessionId: null,
  ipPrefix: null,
  userAgent: null,
  referer: null,
  occurredAt: new Date(occurredAt),
});

/**
 * The log rows one event stands for; [] for events that are not activity (a removed interaction, a
 * notification sent). Pure: the consumer maps, deduplicates by (event id, seq) and writes.
 */
export function activityRowsOf(e: Envelope): ActivityRow[] {
  switch (e.type) {
    case ActivityLogged.type: {
      const d = e.data as Static<typeof ActivityLogged.schema>;
      return [
        {
          ...base(e, d.at),
          userId: d.userId,
          sessionId: d.sessionId,
          actionType: d.actionType,
          movieId: d.movieId,
          ipPrefix: d.ipPrefix,
          userAgent: d.userAgent,
          referer: d.referer,
          source: d.source as ActivitySource | null,
          metadata: d.metadata,
        },
      ];
    }
    case InteractionRecorded.type: {
      const d = e.data as Static<typeof InteractionRecorded.schema>;
      const actionType = INTERACTION_ACTIONS[d.interactionType];
      if (!actionType) return [];
      const metadata: Record<string, unknown> = {};
      if (d.interactionType === 'rating' && d.rating !== null) metadata.rating = d.rating;
      if (d.feedbackType) metadata.feedbackType = d.feedbackType;
      return [
        {
          ...base(e, d.at),
          userId: d.userId,
          actionType,
          movieId: d.movieId,
          source: d.source as ActivitySource,
          metadata,
        },
      ];
    }
    case RecommendationsGenerated.type: {
      // A list is one row: its movies, ranks and scores as arrays in metadata (movie_id stays null). The ingest and
      // the recompute expand it into one impression per movie for the metrics (metric-rules.ts); a row per movie
      // cost PostgreSQL ~15 µs per movie in the log's indexes (and a list came with every fold-in until lists were
      // published when stored, at most one per user per store delay).
      const d = e.data as Static<typeof RecommendationsGenerated.schema>;
      if (d.items.length === 0) return [];
      const variant = variantOf(d);
      return [
        {
          ...base(e, d.generatedAt),
          userId: d.userId,
          actionType: 'recommendation_impression',
          movieId: null,
          source: null,
          metadata: {
            algorithm: d.algorithm,
            ...(variant ? { variant } : {}),
            movieIds: d.items.map((i) => i.movieId),
            ranks: d.items.map((i) => i.rank),
            scores: d.items.map((i) => i.score),
          },
        },
      ];
    }
    case RecommendationClicked.type: {
      const d = e.data as Static<typeof RecommendationClicked.schema>;
      const variant = variantOf(d);
      return [
        {
          ...base(e, d.clickedAt),
          userId: d.userId,
          actionType: 'recommendation_click',
          movieId: d.movieId,
          source: null,
          metadata: { algorithm: d.algorithm, ...(variant ? { variant } : {}) },
        },
      ];
    }
    case NotificationOpened.type:
    case NotificationClicked.type: {
      const d = e.data as Static<typeof NotificationOpened.schema>;
      const opened = e.type === NotificationOpened.type;
      const actionType: ActionType =
        d.channel === 'email' ? (opened ? 'email_open' : 'email_click') : opened ? 'push_open' : 'push_click';
      return [
        {
          ...base(e, d.at),
          userId: d.userId,
          actionType,
          movieId: d.movieId ?? null,
          source: d.channel,
          metadata: { kind: d.kind, notificationId: d.notificationId },
        },
      ];
    }
    default:
      return [];
  }
}
