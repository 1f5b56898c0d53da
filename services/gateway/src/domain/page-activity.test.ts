import { describe, expect, it } from 'vitest';
import { clientSourceOf, pageActivityOf } from './page-activity';

describe('pageActivityOf', () => {
  it('When a search with q succeeds, then it is a movie_search carrying the trimmed query', () => {
    expect(pageActivityOf('GET', '/api/v1/search?q=%20alien%20&limit=5', 200)).toEqual({
      actionType: 'movie_search',
      movieId: null,
      metadata: { query: 'alien' },
    });
  });

  it('When a movie page is read, then it is a movie_view of that movie', () => {
    expect(pageActivityOf('GET', '/api/v1/movies/862', 200)).toEqual({
      actionType: 'movie_view',
      movieId: 862,
      metadata: {},
    });
  });

  it('When the request failed, was not a GET, or is not a page, then there is no activity', () => {
    expect(pageActivityOf('GET', '/api/v1/movies/862', 404)).toBeUndefined();
    expect(pageActivityOf('PUT', '/api/v1/movies/862', 200)).toBeUndefined();
    expect(pageActivityOf('GET', '/api/v1/movies', 200)).toBeUndefined();
    expect(pageActivityOf('GET', '/api/v1/movies/0', 200)).toBeUndefined();
    expect(pageActivityOf('GET', '/api/v1/movies/862/similar', 200)).toBeUndefined();
    expect(pageActivityOf('GET', '/api/v1/search?q=%20', 200)).toBeUndefined();
    expect(pageActivityOf('GET', '/api/v1/search', 200)).toBeUndefined();
  });

  it('When a client names its source, then only known sources are kept', () => {
    expect(clientSourceOf('mobile')).toBe('mobile');
    expect(clientSourceOf('fax')).toBeNull();
    expect(clientSourceOf(undefined)).toBeNull();
  });
});
