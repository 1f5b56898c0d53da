import { assertSelfOrAdmin, requireUser } from '@marquee/platform-auth';
import { badRequest, type HttpApp, invalidField, Type } from '@marquee/platform-http';
import type { InteractionContext } from '../context';
import { INTERACTION_TYPES } from '../db/schema';
import { withUser } from '../db/user-scope';
import type { InteractionType } from '../domain/interaction-rules';
import { decodeCursor } from '../domain/library-cursor';
import { listLibrary } from '../library/library-queries';
import { errors, InteractionView, rejectUnknownQueryKeys, security, toView, UserIdSchema } from './schemas';

/** Shelves and the interaction types each shows; history shows every type unless `types` narrows it. */
const SHELVES = {
  favorites: ['favorite'],
  watchlist: ['watchlist'],
  ratings: ['rating'],
  history: undefined,
} as const satisfies Record<string, InteractionType[] | undefined>;
type Shelf = keyof typeof SHELVES;

const Query = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, at most 100.' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page.' })),
  types: Type.Optional(
    Type.String({
      maxLength: 100,
      description: `history only: comma-separated types (${INTERACTION_TYPES.join(', ')}).`,
    }),
  ),
});
type Query = { limit?: number; cursor?: string; types?: string };
const ShelfSchema = Type.Unsafe<Shelf>({ type: 'string', enum: Object.keys(SHELVES), description: 'Which shelf.' });
const Page = Type.Object({ items: Type.Array(InteractionView), nextCursor: Type.Union([Type.String(), Type.Null()]) });

function typesOf(shelf: Shelf, raw: string | undefined): InteractionType[] | undefined {
  if (raw === undefined) return SHELVES[shelf];
  if (shelf !== 'history') throw invalidField('querystring.types', 'is only accepted on the history shelf');
  const types = raw.split(',').map((t) => t.trim());
  const bad = types.filter((t) => !(INTERACTION_TYPES as readonly string[]).includes(t));
  if (bad.length > 0)
    throw invalidField(
      'querystring.types',
      `unknown type ${bad.join(', ')} (expected ${INTERACTION_TYPES.join(', ')})`,
    );
  return types as InteractionType[];
}

async function page(ctx: InteractionContext, userId: string, shelf: Shelf, q: Query) {
  const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  if (q.cursor !== undefined && !cursor)
    throw badRequest('VALIDATION.FAILED', 'querystring.cursor: is not a cursor this API made', [
      { field: 'querystring.cursor', reason: 'is not a cursor this API made' },
    ]);
  const types = typesOf(shelf, q.types);
  const result = await withUser(ctx.database.db, userId, (tx) => listLibrary(tx, userId, types, q.limit ?? 20, cursor));
  return { items: result.items.map((r) => toView(r, ctx.cipher)), nextCursor: result.nextCursor };
}

/** A user's library: favorites, watchlist, ratings and history, newest first, with cursor pagination. */
export function registerLibraryRoutes(app: HttpApp, ctx: InteractionContext): void {
  const preValidation = rejectUnknownQueryKeys(Object.keys(Query.properties));
  app.get(
    '/v1/me/library/:shelf',
    {
      preValidation,
      preHandler: requireUser,
      schema: {
        tags: ['library'],
        summary: "The signed-in user's favorites, watchlist, ratings or history",
        security,
        params: Type.Object({ shelf: ShelfSchema }),
        querystring: Query,
        response: { 200: Page, ...errors(400, 401) },
      },
    },
    async (req) => page(ctx, req.identity?.userId as string, req.params.shelf, req.query),
  );

  app.get(
    '/v1/users/:userId/library/:shelf',
    {
      preValidation,
      preHandler: requireUser,
      schema: {
        tags: ['library'],
        summary: "A user's shelf: their own, or anyone's for an admin (403 otherwise)",
        security,
        params: Type.Object({ userId: UserIdSchema, shelf: ShelfSchema }),
        querystring: Query,
        response: { 200: Page, ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      assertSelfOrAdmin(req.identity, req.params.userId);
      return page(ctx, req.params.userId.toLowerCase(), req.params.shelf, req.query);
    },
  );
}
