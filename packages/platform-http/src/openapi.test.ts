import { describe, expect, it } from 'vitest';
import { operationIdOf, withOperationIds } from './openapi';

describe('operationIdOf', () => {
  it('When a path has a version prefix, kebab-case words and parameters, then the id is method + PascalCase words, By<Param>', () => {
    expect(operationIdOf('GET', '/v1/movies/{id}')).toBe('getMoviesById');
    expect(operationIdOf('put', '/api/v1/me/interactions/{movieId}/{type}')).toBe('putMeInteractionsByMovieIdByType');
    expect(operationIdOf('GET', '/v1/me/notification-preferences')).toBe('getMeNotificationPreferences');
    expect(operationIdOf('GET', '/api/v1/movies')).toBe(operationIdOf('GET', '/v1/movies'));
    expect(operationIdOf('GET', '/things')).toBe('getThings');
  });
});

describe('withOperationIds', () => {
  it('When one route serves several methods, then each method gets its own id and a declared id is kept', () => {
    const shared = { summary: 'echo' };
    const doc = withOperationIds({
      paths: {
        '/v1/echo': { get: shared, post: shared, parameters: [] },
        '/v1/movies': { get: { operationId: 'listMovies' } },
      },
    });
    expect(doc.paths['/v1/echo']).toEqual({
      get: { summary: 'echo', operationId: 'getEcho' },
      post: { summary: 'echo', operationId: 'postEcho' },
      parameters: [],
    });
    expect(doc.paths['/v1/movies'].get).toEqual({ operationId: 'listMovies' });
    expect(shared).toEqual({ summary: 'echo' });
  });
});
