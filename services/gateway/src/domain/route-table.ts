/** The services the gateway routes to, each with the config key of its base URL. */
export const UPSTREAM_SERVICES = [
  'auth',
  'catalog',
  'interaction',
  'recommendation',
  'notification',
  'analytics',
] as const;
export type UpstreamService = (typeof UPSTREAM_SERVICES)[number];

/**
 * Public path prefixes under /api/v1 and the service that owns each. The longest matching prefix
 * wins, so a service can own a sub-path of another's (e.g. /me/notification-preferences).
 * Paths the gateway answers itself (/stream, /me/export) are registered as routes and never reach here.
 */
export const ROUTE_PREFIXES: ReadonlyArray<readonly [prefix: string, service: UpstreamService]> = [
  ['/auth', 'auth'],
  ['/me', 'auth'],
  ['/admin/users', 'auth'],
  ['/movies', 'catalog'],
  ['/genres', 'catalog'],
  ['/search', 'catalog'],
  ['/admin/movies', 'catalog'],
  ['/admin/genres', 'catalog'],
  ['/me/interactions', 'interaction'],
  ['/me/library', 'interaction'],
  ['/users', 'interaction'],
  ['/admin/interactions', 'interaction'],
  ['/recommendations', 'recommendation'],
  ['/me/recommendations', 'recommendation'],
  ['/admin/recommendations', 'recommendation'],
  ['/me/notification-preferences', 'notification'],
  ['/notifications', 'notification'],
  ['/admin/notifications', 'notification'],
  ['/analytics', 'analytics'],
  ['/admin/analytics', 'analytics'],
];

const byLength = [...ROUTE_PREFIXES].sort((a, b) => b[0].length - a[0].length);

/** The service owning a path below /api/v1 (e.g. `/movies/12`), matched on whole segments. */
export function serviceForPath(path: string): UpstreamService | undefined {
  for (const [prefix, service] of byLength) {
    if (path === prefix || path.startsWith(`${prefix}/`)) return service;
  }
  return undefined;
}

/**
 * The metrics route of a public path the upstream did not name (refused at the gateway, or unmatched there):
 * its route-table prefix (`/api/v1/movies/*`), so the label set stays as small as the table.
 */
export function prefixRouteOf(publicPath: string): string {
  const below = publicPath.startsWith('/api/v1/') ? publicPath.slice('/api/v1'.length) : '';
  for (const [prefix] of byLength) {
    if (below === prefix) return `/api/v1${prefix}`;
    if (below.startsWith(`${prefix}/`)) return `/api/v1${prefix}/*`;
  }
  return '/api/v1/*';
}

const UPSTREAM_TEMPLATE = /^\/v1(\/[\w.:{}*-]*)*$/;

/** An upstream's route template (`/v1/movies/:id`) as the public one (`/api/v1/movies/:id`); undefined when malformed. */
export function publicRouteOf(upstreamTemplate: string): string | undefined {
  if (upstreamTemplate.length > 200 || !UPSTREAM_TEMPLATE.test(upstreamTemplate)) return undefined;
  return `/api${upstreamTemplate}`;
}

/** `/api/v1/movies?q=1` → `/v1/movies?q=1`: the upstream serves the same resource under /v1. */
export function upstreamPath(publicUrl: string): string {
  return publicUrl.replace(/^\/api\/v1(?=\/|\?|$)/, '/v1');
}

/** `/v1/movies/{id}` in a service's OpenAPI → `/api/v1/movies/{id}` when that service owns it, else undefined. */
export function publicPathOf(service: UpstreamService, upstreamDocPath: string): string | undefined {
  const m = /^\/v1(\/.*)?$/.exec(upstreamDocPath);
  if (!m) return undefined;
  const rest = m[1] ?? '/';
  return serviceForPath(rest) === service ? `/api/v1${rest}` : undefined;
}
