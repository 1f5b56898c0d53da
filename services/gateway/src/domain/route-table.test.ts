import { describe, expect, it } from 'vitest';
import { prefixRouteOf, publicPathOf, publicRouteOf, serviceForPath, upstreamPath } from './route-table';

describe('route table', () => {
  it('When a path matches several prefixes, then the longest whole-segment prefix wins', () => {
    expect(serviceForPath('/me')).toBe('auth');
    expect(serviceForPath('/me/sessions')).toBe('auth');
    expect(serviceForPath('/me/notification-preferences')).toBe('notification');
    expect(serviceForPath('/admin/users/1')).toBe('auth');
    expect(serviceForPath('/admin/movies')).toBe('catalog');
    expect(serviceForPath('/movies/42')).toBe('catalog');
    expect(serviceForPath('/search/suggest')).toBe('catalog');
    expect(serviceForPath('/me/interactions/42/like')).toBe('interaction');
    expect(serviceForPath('/me/library/favorites')).toBe('interaction');
    expect(serviceForPath('/users/0190a0b0-0000-7000-8000-000000000001/library/history')).toBe('interaction');
    expect(serviceForPath('/admin/interactions/import')).toBe('interaction');
  });

  it('When a path only shares characters with a prefix, then it is not routed', () => {
    expect(serviceForPath('/moviesx')).toBeUndefined();
    expect(serviceForPath('/admin')).toBeUndefined();
    expect(serviceForPath('/')).toBeUndefined();
  });

  it('When forwarding, then /api/v1 becomes /v1 and the query is kept', () => {
    expect(upstreamPath('/api/v1/search?q=alien&limit=5')).toBe('/v1/search?q=alien&limit=5');
    expect(upstreamPath('/api/v1')).toBe('/v1');
  });

  it("When rewriting a service's OpenAPI paths, then only the paths it owns become public", () => {
    expect(publicPathOf('catalog', '/v1/movies/{id}')).toBe('/api/v1/movies/{id}');
    expect(publicPathOf('auth', '/v1/me')).toBe('/api/v1/me');
    expect(publicPathOf('catalog', '/v1/me')).toBeUndefined();
    expect(publicPathOf('catalog', '/internal/reindex')).toBeUndefined();
  });

  it('When labelling metrics, then an upstream template becomes public and anything else falls back to its route-table prefix', () => {
    expect(publicRouteOf('/v1/movies/:id')).toBe('/api/v1/movies/:id');
    expect(publicRouteOf('/v1/me/library/:kind')).toBe('/api/v1/me/library/:kind');
    expect(publicRouteOf('/internal/x')).toBeUndefined();
    expect(publicRouteOf('/v1/movies/:id(^\\d+)')).toBeUndefined();
    expect(publicRouteOf(`/v1/${'a'.repeat(300)}`)).toBeUndefined();
    expect(prefixRouteOf('/api/v1/movies/12/x')).toBe('/api/v1/movies/*');
    expect(prefixRouteOf('/api/v1/genres')).toBe('/api/v1/genres');
    expect(prefixRouteOf('/api/v1/me/library/favorite')).toBe('/api/v1/me/library/*');
    expect(prefixRouteOf('/api/v1/unknown/1')).toBe('/api/v1/*');
    expect(prefixRouteOf('/elsewhere')).toBe('/api/v1/*');
  });
});
