import { describe, expect, it } from 'vitest';
import {
  alternativesFor,
  editDistance,
  editsAllowed,
  keyDistance,
  matchTitle,
  scoreCandidates,
  titleWordsQuery,
  withoutMisspeltArticle,
  writtenDistance,
} from './title-match';

const candidate = (title: string, titleKey: string, extra: { textRank?: number; titleHit?: boolean } = {}) => ({
  title,
  titleKey,
  textRank: extra.textRank ?? null,
  titleHit: extra.titleHit ?? false,
});

describe('edit distance', () => {
  it.each([
    ['junior', 'junior', 0],
    ['jnuior', 'junior', 1],
    ['godfater', 'godfather', 1],
    ['heaart', 'heart', 1],
    ['dei', 'die', 1],
    ['amlie', 'amelie', 1],
    ['mrirr', 'mirror', 2],
    ['kitten', 'sitting', 3],
  ])('When %s is compared with %s, then the distance is %i (an adjacent swap counts one)', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });

  it('When the distance exceeds the bound, then it stops at bound + 1', () => {
    expect(editDistance('abcdefgh', 'zyxwvuts', 2)).toBe(3);
    expect(editDistance('a', 'abcdef', 2)).toBe(3);
  });

  it('When an edit only lengthens or shortens a run of one letter, then it costs half', () => {
    expect(keyDistance('coop', 'cop')).toBe(0.5);
    expect(keyDistance('coop', 'scoop')).toBe(1);
    expect(keyDistance('primee', 'prime')).toBeLessThan(keyDistance('primee', 'primer'));
    expect(keyDistance('cruush', 'rush')).toBe(1.5); // one run edit (uu), one real (c)
    expect(keyDistance('abcdefgh', 'zyxwvuts', 2)).toBe(3);
  });

  it('When a title is written as typed but for case and spacing, then its written distance is 0', () => {
    expect(writtenDistance('the  war ROOM', 'The War Room')).toBe(0);
    expect(writtenDistance('The WWar Room', 'The War Room')).toBeLessThan(writtenDistance('The WWar Room', 'War Room'));
    expect(writtenDistance('Les Miserrables', 'Les Miserables')).toBeLessThan(
      writtenDistance('Les Miserrables', 'Les Misérables'),
    );
  });

  it('When a word is typed, then the edits tolerated grow with its length', () => {
    expect(['of', 'men', 'hard', 'heart', 'matrix'].map(editsAllowed)).toEqual([0, 1, 1, 2, 2]);
  });
});

describe('title match', () => {
  it('When every typed word is in the title, possibly misspelt or unfinished, then it is an all-words match', () => {
    expect(matchTitle('few god men', 'few good men')).toMatchObject({ exact: false, allWords: true });
    expect(matchTitle('star tre', 'star trek')).toMatchObject({ allWords: true });
    expect(matchTitle('star tre', 'star trek').closeness).toBeGreaterThan(
      matchTitle('star tre', 'star trek beyond').closeness,
    );
    expect(matchTitle('dark knight', 'dark knight')).toMatchObject({ exact: true, coverage: 1, closeness: 1 });
    expect(matchTitle('hard die', 'die hard').allWords).toBe(true);
    expect(matchTitle('of mice', 'mice').allWords).toBe(false);
  });

  it('When the first typed word is a misspelt "the", then the key is also tried without it', () => {
    expect(withoutMisspeltArticle('teh matrix')).toBe('matrix');
    expect(withoutMisspeltArticle('tthe raid')).toBe('raid');
    expect(withoutMisspeltArticle('matrix')).toBeUndefined();
    expect(withoutMisspeltArticle('then')).toBeUndefined();
    expect(withoutMisspeltArticle('they live')).toBe('live');
  });
});

describe('scoring', () => {
  it('When a title equals what was typed, then it scores highest; the exact text above an equal key', () => {
    const [exact, punctuated, sequel] = scoreCandidates('them', 'them', [
      candidate('Them', 'them'),
      candidate('Them!', 'them'),
      candidate('Them Returns', 'them returns'),
    ]);
    expect(exact).toBe(1);
    expect(punctuated).toBeLessThan(1);
    expect(punctuated).toBeGreaterThan(sequel as number);
  });

  it('When "they live" is typed, then They Live outranks Live (the stripped-article reading ranks lower)', () => {
    const [theyLive, live] = scoreCandidates('they live', 'they live', [
      candidate('They Live', 'they live'),
      candidate('Live', 'live'),
    ]);
    expect(theyLive).toBeGreaterThan(live as number);
  });

  it('When titles hold the words as typed, then misspelt-title guesses fall below full-text matches', () => {
    const [alien, alice, overview] = scoreCandidates('alien', 'alien', [
      candidate('Alien', 'alien', { textRank: 0.5, titleHit: true }),
      candidate('Alice', 'alice'),
      candidate('Independence Day', 'independence day', { textRank: 0.1 }),
    ]);
    expect(alien).toBe(1);
    expect(overview).toBeGreaterThan(alice as number);
  });

  it('When no title holds the words as typed, then the misspelt title outranks full-text matches elsewhere', () => {
    const [good, overview] = scoreCandidates('few god men', 'A Few God Men', [
      candidate('A Few Good Men', 'few good men'),
      candidate('Hellbenders', 'hellbenders', { textRank: 0.9 }),
    ]);
    expect(good).toBeGreaterThan(overview as number);
  });

  it('When a doubled letter leaves two titles equally close, then the title it doubles comes first', () => {
    const [prime, primer] = scoreCandidates('primee', 'Primee', [
      candidate('Prime', 'prime'),
      candidate('Primer', 'primer'),
    ]);
    expect(prime).toBeGreaterThan(primer as number);
  });

  it('When a doubled letter is one edit from a shorter and a longer title, then the shorter one it doubles scores higher', () => {
    const [cop, scoop] = scoreCandidates('coop', 'Coop', [candidate('Cop', 'cop'), candidate('Scoop', 'scoop')]);
    expect(cop).toBeGreaterThan(scoop as number);
  });

  it('When nothing of the title matches and full-text search did not match, then the score is 0', () => {
    expect(scoreCandidates('qxzv', 'qxzv', [candidate('Heat', 'heat')])).toEqual([0]);
  });
});

describe('title word queries', () => {
  it('When words and their alternatives are given, then they become one tsquery text, the last also as a prefix', () => {
    expect(alternativesFor('jnuior', ['junior', 'junta', 'jnuior'])).toEqual(['jnuior', 'junior']);
    expect(titleWordsQuery([['few'], ['god', 'good'], ['men']], '&')).toBe(
      "('few') & ('god' | 'good') & ('men' | 'men':*)",
    );
    expect(titleWordsQuery([['star'], ['t']], '|')).toBe("('star') | ('t')");
  });

  it('When a word carries anything but letters and digits, then it is left out of the query', () => {
    expect(titleWordsQuery([["o'brien", 'obrien'], ['a:*|b']], '&')).toBe("('obrien')");
  });
});
