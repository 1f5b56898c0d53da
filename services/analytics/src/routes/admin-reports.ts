import { requireAdmin } from '@marquee/platform-auth';
import { type HttpApp, Type } from '@marquee/platform-http';
import type { AnalyticsContext } from '../context';
import { isoDate } from '../domain/months';
import { computeTrending, currentWindow, publishTrending } from '../jobs/trending';
import { forAllUsers } from '@marquee/platform-db';
import { ctrBy, dailyActivityPages, movieMetricPages, movieTitle } from '../reports/report-queries';
import {
  allPages,
  checkedRange,
  ErrorResponse,
  Format,
  IsoDay,
  Nullable,
  onePage,
  rejectUnknownQueryKeys,
  security,
  sendCsv,
} from './shared';

const Range = { from: IsoDay, to: IsoDay, format: Format };
const admin = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };
const csvNote = ' With `format=csv`, an RFC 4180 download (text/csv) instead.';

const MovieDay = Type.Object({
  date: Type.String(),
  views: Type.Integer(),
  likes: Type.Integer(),
  ratingCount: Type.Integer(),
  avgRating: Nullable(Type.Number()),
  recommendationCount: Type.Integer(),
  clicks: Type.Integer(),
  clickThroughRate: Nullable(Type.Number()),
});
const TrendingMovie = Type.Object({
  movieId: Type.Integer(),
  title: Nullable(Type.String()),
  score: Type.Number(),
  rank: Type.Integer(),
});
const TrendingList = Type.Object({
  date: Type.String(),
  days: Type.Integer(),
  halfLifeHours: Type.Number(),
  movies: Type.Array(TrendingMovie),
});
const CtrRow = Type.Object({
  algorithm: Type.String(),
  variant: Nullable(Type.String()),
  impressions: Type.Integer(),
  clicks: Type.Integer(),
  clickThroughRate: Nullable(Type.Number()),
});

/** Operator reports; every query here reads the reports database (the replica when one is configured). */
export function registerAdminReportRoutes(app: HttpApp, ctx: AnalyticsContext): void {
  const { reports } = ctx;

  app.get(
    '/v1/admin/analytics/movies/:movieId/metrics',
    {
      preHandler: requireAdmin,
      preValidation: rejectUnknownQueryKeys(['from', 'to', 'format']),
      schema: {
        tags: ['analytics'],
        summary: "A movie's daily metrics over a date range (admin)",
        description: `Views, likes, ratings, recommendations and click-through rate per UTC day; days without activity are absent.${csvNote}`,
        security,
        params: Type.Object({ movieId: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
        querystring: Type.Object(Range),
        response: {
          200: Type.Object({ movieId: Type.Integer(), title: Nullable(Type.String()), days: Type.Array(MovieDay) }),
          ...admin,
        },
      },
    },
    async (req, reply) => {
      const range = checkedRange(req.query);
      const { movieId } = req.params;
      const pages = movieMetricPages(reports, movieId, range);
      if (req.query.format === 'csv') {
        return sendCsv(reply, `movie-${movieId}-${range.from}-${range.to}.csv`, movieDayColumns, pages);
      }
      return { movieId, title: await movieTitle(reports, movieId), days: await allPages(pages) };
    },
  );

  app.get(
    '/v1/admin/analytics/trending',
    {
      preHandler: requireAdmin,
      preValidation: rejectUnknownQueryKeys(['date', 'days', 'halfLifeHours', 'limit', 'format']),
      schema: {
        tags: ['analytics'],
        summary: 'Trending movies for a window (admin)',
        description: `Time-decayed score over the \`days\` up to \`date\` (default today, UTC), computed now.${csvNote}`,
        security,
        querystring: Type.Object({
          date: Type.Optional(IsoDay),
          days: Type.Integer({ minimum: 1, maximum: 90, default: ctx.trending.days }),
          halfLifeHours: Type.Number({ exclusiveMinimum: 0, maximum: 10000, default: ctx.trending.halfLifeHours }),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
          format: Format,
        }),
        response: { 200: TrendingList, ...admin },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const date = q.date ? checkedRange({ from: q.date, to: q.date }).to : isoDate(new Date());
      const window = { date, days: q.days, halfLifeHours: q.halfLifeHours, limit: q.limit };
      const movies = await forAllUsers(reports.db, (tx) => computeTrending(tx, window));
      if (q.format === 'csv')
        return sendCsv(reply, `trending-${date}-${q.days}d.csv`, trendingColumns, onePage(movies));
      return { date, days: q.days, halfLifeHours: q.halfLifeHours, movies };
    },
  );

  app.post(
    '/v1/admin/analytics/trending/refresh',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['analytics'],
        summary: 'Compute trending now and publish trending.updated (admin)',
        description:
          'Runs the scheduled computation on demand, with the configured window; reads and writes the primary.',
        security,
        response: { 200: Type.Composite([TrendingList, Type.Object({ computedAt: Type.String() })]), ...admin },
      },
    },
    async () => {
      const t = ctx.trending;
      return publishTrending(ctx.database, currentWindow(new Date(), t.days, t.halfLifeHours, t.size));
    },
  );

  app.get(
    '/v1/admin/analytics/click-through',
    {
      preHandler: requireAdmin,
      preValidation: rejectUnknownQueryKeys(['from', 'to', 'by', 'format']),
      schema: {
        tags: ['analytics'],
        summary: 'Recommendation click-through rate by algorithm or experiment variant (admin)',
        description: `Impressions (recommended movies shown), clicks and clicks / impressions over the range. \`by=variant\` splits each algorithm by experiment variant ('' when the recommendation carried none).${csvNote}`,
        security,
        querystring: Type.Object({
          ...Range,
          by: Type.Union([Type.Literal('algorithm'), Type.Literal('variant')], { default: 'algorithm' }),
        }),
        response: { 200: Type.Object({ from: Type.String(), to: Type.String(), rows: Type.Array(CtrRow) }), ...admin },
      },
    },
    async (req, reply) => {
      const range = checkedRange(req.query);
      const rows = await ctrBy(reports, req.query.by, range);
      if (req.query.format === 'csv') {
        return sendCsv(reply, `click-through-${req.query.by}-${range.from}-${range.to}.csv`, ctrColumns, onePage(rows));
      }
      return { ...range, rows };
    },
  );

  app.get(
    '/v1/admin/analytics/activity/daily',
    {
      preHandler: requireAdmin,
      preValidation: rejectUnknownQueryKeys(['from', 'to', 'format']),
      schema: {
        tags: ['analytics'],
        summary: 'Daily active users and events per day (admin)',
        description: `Active users are distinct signed-in users of that UTC day; counts are kept when a user is erased.${csvNote}`,
        security,
        querystring: Type.Object(Range),
        response: {
          200: Type.Object({
            days: Type.Array(Type.Object({ date: Type.String(), events: Type.Integer(), activeUsers: Type.Integer() })),
          }),
          ...admin,
        },
      },
    },
    async (req, reply) => {
      const range = checkedRange(req.query);
      const pages = dailyActivityPages(reports, range);
      if (req.query.format === 'csv')
        return sendCsv(reply, `daily-activity-${range.from}-${range.to}.csv`, dailyColumns, pages);
      return { days: await allPages(pages) };
    },
  );
}

type Row<T> = readonly (readonly [string, (r: T) => unknown])[];
type MovieDayRow = import('../reports/report-queries').MovieDay;
const movieDayColumns: Row<MovieDayRow> = [
  ['date', (r) => r.date],
  ['views', (r) => r.views],
  ['likes', (r) => r.likes],
  ['rating_count', (r) => r.ratingCount],
  ['avg_rating', (r) => r.avgRating],
  ['recommendation_count', (r) => r.recommendationCount],
  ['clicks', (r) => r.clicks],
  ['click_through_rate', (r) => r.clickThroughRate],
];
const trendingColumns: Row<import('../jobs/trending').TrendingMovie> = [
  ['rank', (r) => r.rank],
  ['movie_id', (r) => r.movieId],
  ['title', (r) => r.title],
  ['score', (r) => r.score],
];
const ctrColumns: Row<import('../reports/report-queries').CtrRow> = [
  ['algorithm', (r) => r.algorithm],
  ['variant', (r) => r.variant],
  ['impressions', (r) => r.impressions],
  ['clicks', (r) => r.clicks],
  ['click_through_rate', (r) => r.clickThroughRate],
];
const dailyColumns: Row<import('../reports/report-queries').ActivityDay> = [
  ['date', (r) => r.date],
  ['events', (r) => r.events],
  ['active_users', (r) => r.activeUsers],
];
