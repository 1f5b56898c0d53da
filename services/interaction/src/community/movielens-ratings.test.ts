import { describe, expect, it } from 'vitest';
import { demoAccount, parseRatingLine, toWholeStars } from './movielens-ratings';

describe('MovieLens ratings', () => {
  it('When a ratings.csv line is read, then its fields come out; the header and broken lines do not', () => {
    expect(parseRatingLine('1,31,2.5,1260759144')).toEqual({
      userId: 1,
      movieId: 31,
      stars: 2.5,
      timestamp: 1260759144,
    });
    expect(parseRatingLine('userId,movieId,rating,timestamp')).toBeUndefined();
    expect(parseRatingLine('1,31,7,1260759144')).toBeUndefined();
    expect(parseRatingLine('')).toBeUndefined();
  });

  it('When half stars become whole stars, then they round up and stay within 1–5', () => {
    expect([0.5, 1, 1.5, 2.5, 3, 4.5, 5].map(toWholeStars)).toEqual([1, 1, 2, 3, 3, 5, 5]);
  });

  it('When a demo account is named, then it is stable per MovieLens user', () => {
    expect(demoAccount(7, 'movielens.marquee.test')).toMatchObject({
      username: 'movielens_7',
      email: 'user7@movielens.marquee.test',
    });
  });
});
