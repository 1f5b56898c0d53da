import { describe, expect, it } from 'vitest';
import { mergeOpenApi } from './merge-openapi';

describe('mergeOpenApi', () => {
  const own = {
    openapi: '3.0.3',
    info: { title: 'gateway', version: '1.0.0' },
    paths: { '/api/v1/stream': { get: { summary: 'live' } } },
    tags: [{ name: 'live' }],
  };

  it('When services publish /v1 paths, then the ones the gateway routes to them appear under /api/v1', () => {
    const merged = mergeOpenApi(
      own,
      [
        {
          service: 'catalog',
          doc: {
            paths: {
              '/v1/movies/{id}': { get: { summary: 'one movie' } },
              '/v1/me': { get: { summary: 'not catalog' } },
            },
            tags: [{ name: 'movies' }],
          },
        },
        { service: 'auth', doc: { paths: { '/v1/me': { get: { summary: 'me' } } } } },
      ],
      [],
    );
    expect(Object.keys(merged.paths ?? {})).toEqual(['/api/v1/me', '/api/v1/movies/{id}', '/api/v1/stream']);
    expect(merged.paths?.['/api/v1/me']?.get).toMatchObject({ summary: 'me', operationId: 'getMe' });
    expect(merged.tags?.map((t) => t.name)).toEqual(['live', 'movies']);
  });

  it('When two services use the same schema name, then each keeps its own, prefixed, with refs rewritten', () => {
    const ref = {
      get: {
        responses: { 200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/def-0' } } } } },
      },
    };
    const merged = mergeOpenApi(
      own,
      [
        { service: 'auth', doc: { paths: { '/v1/me': ref }, components: { schemas: { 'def-0': { title: 'User' } } } } },
        {
          service: 'catalog',
          doc: { paths: { '/v1/movies': ref }, components: { schemas: { 'def-0': { title: 'Movie' } } } },
        },
      ],
      [],
    );
    expect(merged.components?.schemas).toMatchObject({
      'auth_def-0': { title: 'User' },
      'catalog_def-0': { title: 'Movie' },
    });
    expect(JSON.stringify(merged.paths?.['/api/v1/movies'])).toContain('#/components/schemas/catalog_def-0');
  });

  it('When a service document is unavailable, then the description names it and carries the data notices', () => {
    const merged = mergeOpenApi(own, [], ['recommendation']);
    const description = String(merged.info?.description);
    expect(description).toContain('recommendation');
    expect(description).toContain('This product uses the TMDB API but is not endorsed or certified by TMDB');
    expect(description).toContain('MovieLens');
  });

  it('When merged, then the document names its server, licence and the 429 the rate limit answers on every operation', () => {
    const merged = mergeOpenApi(
      own,
      [
        {
          service: 'catalog',
          doc: { paths: { '/v1/movies': { get: { responses: { 200: { description: 'ok' } } }, parameters: [] } } },
        },
      ],
      [],
    );
    expect(merged.openapi).toBe('3.0.3');
    expect(mergeOpenApi({ paths: {} }, [], []).openapi).toBe('3.1.0');
    expect(merged.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(merged.info?.license).toEqual({ name: 'MIT', identifier: 'MIT' });
    const movies = merged.paths?.['/api/v1/movies'] as Record<string, { responses: Record<string, unknown> }>;
    expect(Object.keys(movies.get?.responses ?? {})).toEqual(['200', '429']);
    expect(movies.parameters).toEqual([]);
    expect(JSON.stringify(movies.get?.responses['429'])).toContain('#/components/schemas/Error');
    expect(merged.components?.schemas).toHaveProperty('Error');
  });
});
