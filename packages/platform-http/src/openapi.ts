import type { FastifySchema, RouteOptions } from 'fastify';
import { ErrorResponse } from './schemas';

/**
 * The version every document declares. Route schemas are JSON Schema (TypeBox): `type: 'null'`,
 * numeric `exclusiveMinimum` and `const` are valid OpenAPI 3.1 and invalid 3.0.
 */
export const OPENAPI_VERSION = '3.1.0';

/** The one security scheme: an access token from POST /v1/auth/login. */
export const BEARER_AUTH = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } as const;

/** Who a guard lets through, read by the OpenAPI document so its `security` is the check the route runs. */
export type BearerGuardLevel = 'user' | 'admin';
const GUARD_LEVEL = Symbol.for('marquee.bearer-guard');

/** Marks a preHandler as a bearer-token check, so every route running it is documented as secured. */
export function markBearerGuard<T extends object>(guard: T, level: BearerGuardLevel): T {
  Object.defineProperty(guard, GUARD_LEVEL, { value: level });
  return guard;
}

function guardLevelOf(
  route: Pick<RouteOptions, 'preHandler' | 'onRequest' | 'preValidation'>,
): BearerGuardLevel | undefined {
  const hooks = [route.onRequest, route.preValidation, route.preHandler].flat().filter(Boolean);
  const levels = hooks.map((h) => (h as unknown as Record<symbol, BearerGuardLevel | undefined>)[GUARD_LEVEL]);
  return levels.includes('admin') ? 'admin' : levels.includes('user') ? 'user' : undefined;
}

/**
 * A route's schema as documented: `security` from the guard it runs (bearer, or none for a public
 * route), the 401/403 that guard answers when the route does not list them, and, on an app that answers a
 * dependency's outage with 503 (answerUnavailableOn), that 503 on every route that documents its answers.
 */
export function documentedRouteSchema(
  schema: FastifySchema | undefined,
  route: RouteOptions,
  opts: { unavailable?: boolean } = {},
): FastifySchema {
  schema ??= {};
  const level = guardLevelOf(route);
  const declared = schema as FastifySchema & { security?: unknown };
  const response = { ...((schema.response as Record<string, unknown> | undefined) ?? {}) };
  if (level) response['401'] ??= ErrorResponse;
  if (level === 'admin') response['403'] ??= ErrorResponse;
  if (opts.unavailable && schema.response) response['503'] ??= ErrorResponse;
  return {
    ...schema,
    security: declared.security ?? (level ? [{ bearerAuth: [] }] : []),
    ...(schema.response || level ? { response } : {}),
  };
}

const pascal = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * A stable operationId from method and path, the version prefix left out:
 * `GET /v1/movies/{id}` → `getMoviesById`, `PUT /api/v1/me/interactions/{movieId}/{type}` → `putMeInteractionsByMovieIdByType`.
 */
export function operationIdOf(method: string, path: string): string {
  const segments = path
    .replace(/^\/(api\/)?v\d+(?=\/|$)/, '')
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      const words = (param ? param[1] : segment)?.split(/[^A-Za-z0-9]+/).filter(Boolean) ?? [];
      return (param ? 'By' : '') + words.map(pascal).join('');
    });
  return method.toLowerCase() + segments.join('');
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

type Operation = Record<string, unknown> & { operationId?: string };
/** Gives every operation without one its derived operationId (a route with several methods gets one per method). */
export function withOperationIds<D extends { paths?: object }>(doc: D): D {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, object | undefined>)) {
    paths[path] = Object.fromEntries(
      Object.entries(item ?? {}).map(([key, value]) => {
        if (!METHODS.includes(key)) return [key, value];
        const op = value as Operation;
        return [key, op.operationId ? op : { ...op, operationId: operationIdOf(key, path) }];
      }),
    );
  }
  return { ...doc, paths };
}
