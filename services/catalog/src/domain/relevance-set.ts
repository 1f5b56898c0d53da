/**
 * The search relevance set: misspelt titles, each with the movie it means, generated from the catalog's titles
 * with a seeded generator so that a seed always gives the same set.
 */

export const TYPO_KINDS = ['dropped', 'doubled', 'swapped', 'vowel', 'lowercase', 'two-edits'] as const;
export type TypoKind = (typeof TYPO_KINDS)[number];

export interface TitledMovie {
  tmdbId: number;
  title: string;
  popularity: number | null;
}

export interface RelevanceQuery {
  kind: TypoKind;
  query: string;
  tmdbId: number;
  title: string;
  /** 0 for the most popular tenth of the titles … 9 for the least popular. */
  popularityDecile: number;
}

/** mulberry32: small, fast and the same on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LETTER = /\p{L}/u;
const VOWELS = 'aeiou';
const isVowel = (c: string) => VOWELS.includes(c.toLowerCase());

type Edit = (chars: string[], random: () => number) => string[] | undefined;

const pick = <T>(items: T[], random: () => number): T | undefined => items[Math.floor(random() * items.length)];
const letterPositions = (chars: string[]) => chars.flatMap((c, i) => (LETTER.test(c) ? [i] : []));

const EDITS: Record<Exclude<TypoKind, 'lowercase' | 'two-edits'>, Edit> = {
  dropped: (chars, random) => {
    const i = pick(letterPositions(chars), random);
    return i === undefined ? undefined : [...chars.slice(0, i), ...chars.slice(i + 1)];
  },
  doubled: (chars, random) => {
    const i = pick(letterPositions(chars), random);
    return i === undefined ? undefined : [...chars.slice(0, i + 1), ...chars.slice(i)];
  },
  swapped: (chars, random) => {
    const pairs = letterPositions(chars).filter(
      (i) => LETTER.test(chars[i + 1] ?? '') && chars[i]?.toLowerCase() !== chars[i + 1]?.toLowerCase(),
    );
    const i = pick(pairs, random);
    if (i === undefined) return undefined;
    const out = [...chars];
    [out[i], out[i + 1]] = [chars[i + 1] as string, chars[i] as string];
    return out;
  },
  vowel: (chars, random) => {
    const i = pick(
      chars.flatMap((c, j) => (isVowel(c) ? [j] : [])),
      random,
    );
    if (i === undefined) return undefined;
    const c = chars[i] as string;
    const other = pick(
      [...VOWELS].filter((v) => v !== c.toLowerCase()),
      random,
    ) as string;
    const out = [...chars];
    out[i] = c === c.toLowerCase() ? other : other.toUpperCase();
    return out;
  },
};
const LETTER_EDITS = Object.values(EDITS);

/** Letters a title needs for a kind: one edit from 3 letters, two from 6 (fewer leave too little to recognise). */
const minLetters = (kind: TypoKind) => (kind === 'two-edits' ? 6 : kind === 'lowercase' ? 1 : 3);

function misspell(title: string, kind: TypoKind, random: () => number): string | undefined {
  const chars = [...title];
  if (letterPositions(chars).length < minLetters(kind)) return undefined;
  let out: string[] | undefined;
  if (kind === 'lowercase') out = [...title.toLowerCase()];
  else if (kind === 'two-edits') {
    const once = (pick(LETTER_EDITS, random) as Edit)(chars, random);
    out = once && (pick(LETTER_EDITS, random) as Edit)(once, random);
  } else out = EDITS[kind](chars, random);
  const query = out?.join('');
  // A misspelling must differ from the title; all-lowercase must differ only by case.
  if (!query || (kind === 'lowercase' ? query === title : query.toLowerCase() === title.toLowerCase()))
    return undefined;
  return query;
}

/**
 * `perKind` queries of each kind. Titles are ordered by popularity and cut into `perKind` equal strata; each query
 * comes from a random title of its own stratum, so every popularity is represented equally.
 */
export function generateRelevanceSet(
  movies: readonly TitledMovie[],
  opts: { seed: number; perKind: number },
): RelevanceQuery[] {
  const random = seededRandom(opts.seed);
  const ordered = [...movies].sort((a, b) => (b.popularity ?? -1) - (a.popularity ?? -1) || a.tmdbId - b.tmdbId);
  const out: RelevanceQuery[] = [];
  for (const kind of TYPO_KINDS) {
    for (let s = 0; s < opts.perKind; s++) {
      const from = Math.floor((s * ordered.length) / opts.perKind);
      const to = Math.floor(((s + 1) * ordered.length) / opts.perKind);
      // A few tries within the stratum: some titles cannot take an edit (too short, no vowel, all lowercase).
      for (let attempt = 0; attempt < 20; attempt++) {
        const index = from + Math.floor(random() * (to - from));
        const movie = ordered[index] as TitledMovie;
        const query = misspell(movie.title, kind, random);
        if (query === undefined) continue;
        out.push({
          kind,
          query,
          tmdbId: movie.tmdbId,
          title: movie.title,
          popularityDecile: Math.floor((index * 10) / ordered.length),
        });
        break;
      }
    }
  }
  return out;
}
