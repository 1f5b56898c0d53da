/**
 * How well a typed query matches a movie title, on title keys (lowercase, no accents, punctuation or leading
 * article: catalog_title_key in migration 0003). Pure: the search reads candidates from PostgreSQL and ranks them here.
 */

/** Edits tolerated in a typed word: none up to 2 letters, one in 3–4, two from 5 (Elasticsearch's AUTO fuzziness allows two only from 6). */
export function editsAllowed(word: string): number {
  const n = [...word].length;
  return n <= 2 ? 0 : n <= 4 ? 1 : 2;
}

const codes = (s: string): number[] => Array.from(s, (c) => c.codePointAt(0) as number);

/** Optimal-string-alignment distance (insertions, deletions, substitutions, adjacent swaps), or `max + 1` once above max. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  const s = codes(a);
  const t = codes(b);
  if (Math.abs(s.length - t.length) > max) return max + 1;
  const width = t.length + 1;
  let prev2 = new Int32Array(width);
  let prev = Int32Array.from({ length: width }, (_, j) => j);
  let row = new Int32Array(width);
  for (let i = 1; i <= s.length; i++) {
    row[0] = i;
    let rowMin = i;
    const si = s[i - 1];
    for (let j = 1; j <= t.length; j++) {
      const tj = t[j - 1];
      let d = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + (si === tj ? 0 : 1),
      );
      if (i > 1 && j > 1 && si === t[j - 2] && s[i - 2] === tj) d = Math.min(d, (prev2[j - 2] as number) + 1);
      row[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, row] = [prev, row, prev2];
  }
  return prev[t.length] as number;
}

export const wordsOf = (key: string): string[] => key.split(' ').filter(Boolean);

/**
 * How one typed word matches a title word: 1 equal, 0.9 the start of it (only the word being typed, the last),
 * 0.8 one edit away, 0.6 two, 0 otherwise (more edits than editsAllowed).
 */
export function wordMatch(typed: string, word: string, isLast: boolean): number {
  if (typed === word) return 1;
  if (isLast && typed.length >= 2 && word.startsWith(typed)) return 0.9;
  const allowed = editsAllowed(typed);
  if (allowed === 0 || Math.abs(typed.length - word.length) > allowed) return 0;
  const d = editDistance(typed, word, allowed);
  return d > allowed ? 0 : d === 1 ? 0.8 : 0.6;
}

export interface TitleMatch {
  /** The query's key equals the title's. */
  exact: boolean;
  /** Every typed word matches a word of the title (equal, misspelt within editsAllowed, or the last one begun). */
  allWords: boolean;
  /** Mean of each typed word's best wordMatch. */
  coverage: number;
  /** 1 − edit distance between the whole keys ÷ the longer one: how close the title is to what was typed. */
  closeness: number;
}

export function matchTitle(queryKey: string, titleKey: string): TitleMatch {
  const typed = wordsOf(queryKey);
  const words = wordsOf(titleKey);
  let sum = 0;
  let all = typed.length > 0;
  typed.forEach((t, i) => {
    const best = Math.max(0, ...words.map((w) => wordMatch(t, w, i === typed.length - 1)));
    sum += best;
    if (best === 0) all = false;
  });
  const longer = Math.max(queryKey.length, titleKey.length, 1);
  // Past half the length the distance says little: bounded, long titles tie and popularity orders them.
  const bound = Math.ceil(longer / 2);
  return {
    exact: queryKey === titleKey && queryKey !== '',
    allWords: all,
    coverage: typed.length ? sum / typed.length : 0,
    closeness: 1 - Math.min(bound, keyDistance(queryKey, titleKey, bound)) / longer,
  };
}

/** Runs of one letter as one letter: "primee" and "prime" meet, "primer" stays apart. */
const squeeze = (key: string) => key.replace(/(.)\1+/gu, '$1');

/**
 * Edit distance where an edit that only lengthens or shortens a run of one letter costs half: a doubled or
 * dropped repeated key is the commonest slip, so "coop" is nearer "cop" than "scoop", and "primee" nearer "prime"
 * than "primer". Returns `max + 1` once above max.
 */
export function keyDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  const d = editDistance(a, b, max);
  if (d === 0 || d > max) return d;
  const runs = editDistance(squeeze(a), squeeze(b), d);
  return runs < d ? (d + runs) / 2 : d;
}

/** A candidate as the search read it: its title key and whether (and how strongly) full-text search matched it. */
export interface Candidate {
  /** The title as stored, and its key. */
  title: string;
  titleKey: string;
  /** ts_rank_cd of the full-text match, or null when full-text search did not match it. */
  textRank: number | null;
  /** Full-text search matched the title itself: a title word that differs from a typed one only by its stem ("aliens"). */
  titleHit: boolean;
}

/**
 * The query's key without its first word when that word is a misspelt "the" ("teh", "tthe", "thi"): keys drop a
 * leading article, so "teh matrix" must also be tried as "matrix".
 */
export function withoutMisspeltArticle(queryKey: string): string | undefined {
  const [first, ...rest] = wordsOf(queryKey);
  if (!first || rest.length === 0 || first === 'the' || editDistance(first, 'the', 1) > 1) return undefined;
  return rest.join(' ');
}

const lowerText = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * Edits between the text typed and the title as written (case and spacing aside), up to 10: what orders titles of
 * equal score before popularity does, since keys drop articles, punctuation and accents ("The WWar Room": The War
 * Room before War Room; "Desscent": Descent before The Descent).
 */
export const writtenDistance = (typed: string, title: string): number =>
  editDistance(lowerText(typed), lowerText(title), 10);

/** Scores from here up are titles holding every typed word as typed (or as full-text search stems it). */
const AS_TYPED = 0.78;

function scoreKey(queryKey: string, typed: string, c: Candidate): number {
  const m = matchTitle(queryKey, c.titleKey);
  // Among titles of one key, the one typed exactly ("Them" before "Them!" for "them").
  if (m.exact) return lowerText(typed) === lowerText(c.title) ? 1 : 0.99;
  if (m.allWords) {
    const base = m.coverage === 1 || c.titleHit ? AS_TYPED : 0.6;
    return base + 0.16 * m.closeness;
  }
  const text = c.textRank === null ? 0 : 0.3 + 0.25 * (c.textRank / (c.textRank + 1));
  const partial = m.coverage > 0 ? 0.25 + 0.3 * m.closeness * m.coverage : 0;
  return Math.max(text, partial);
}

/**
 * One scale for every candidate, whichever path found it (0–1):
 * - 0.99–1: the title is what was typed (case, punctuation and a leading article aside), 1 when exactly so;
 * - 0.86–0.94: every typed word is in the title as typed; 0.68–0.76: every typed word is, some misspelt or the
 *   last unfinished; within each, the closer the whole title, the higher ("star tre": Star Trek before Star Trek Beyond);
 * - 0.25–0.55: matched by full-text search elsewhere (overview, tagline, cast), or by some title words only,
 *   ranked by full-text rank or closeness.
 * A misspelt leading "the" is also tried without it, a little lower than the same match typed without it.
 * Equal scores are broken by popularity by the caller.
 */
function scoreCandidate(queryKey: string, typed: string, c: Candidate): number {
  const score = scoreKey(queryKey, typed, c);
  const stripped = withoutMisspeltArticle(queryKey);
  return stripped === undefined ? score : Math.max(score, scoreKey(stripped, typed, c) - 0.03);
}

/** Words of the title lexicon that a typed word may stand for: itself and those within editsAllowed. */
export function alternativesFor(typed: string, lexiconWords: readonly string[]): string[] {
  const allowed = editsAllowed(typed);
  const out = new Set([typed]);
  for (const w of lexiconWords) if (editDistance(typed, w, allowed) <= allowed) out.add(w);
  return [...out];
}

const SAFE_WORD = /^[\p{L}\p{N}]+$/u;

/**
 * A to_tsquery text over title words: each typed word as the OR of its alternatives (the last also as a prefix),
 * groups joined by `joiner` (& for titles with every word, | for any). Words are key words (letters and digits
 * only); anything else is left out so that no typed text can reach tsquery syntax.
 */
export function titleWordsQuery(groups: readonly string[][], joiner: '&' | '|'): string {
  const parts = groups
    .map((alternatives, i) => {
      const safe = alternatives.filter((w) => SAFE_WORD.test(w));
      const last = i === groups.length - 1 && safe[0] !== undefined && [...(safe[0] as string)].length >= 2;
      const terms = [...safe.map((w) => `'${w}'`), ...(last ? [`'${safe[0]}':*`] : [])];
      return terms.length ? `(${terms.join(' | ')})` : '';
    })
    .filter(Boolean);
  return parts.join(` ${joiner} `);
}

/**
 * Scores of candidates (scoreCandidate). Misspelt-title matches only outrank full-text matches when no title
 * holds the words as typed: "alien" lists Aliens and then overviews about aliens, not Alice; "a few god men",
 * which no title holds, lists A Few Good Men first.
 */
export function scoreCandidates(queryKey: string, typed: string, candidates: readonly Candidate[]): number[] {
  const scores = candidates.map((c) => scoreCandidate(queryKey, typed, c));
  if (!scores.some((s) => s >= AS_TYPED)) return scores;
  return scores.map((s) => (s >= 0.6 && s < AS_TYPED ? 0.2 + (s - 0.6) / 2 : s));
}
