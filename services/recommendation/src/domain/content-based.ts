import { type Reason, type Recommender, strongestHistoryItem, type UserInput } from './recommender';

/** What the content model knows of a movie. */
export interface ItemMeta {
  genres: readonly number[];
  director: string | null;
  cast: readonly string[];
  overview: string | null;
  language: string | null;
  year: number | null;
}

const STOP = new Set(
  'a an and are as at be by for from has he her his in is it its of on or she that the their them they this to was were will with who when after into while one two their his her him an about'.split(
    ' ',
  ),
);
/** Relative weight of each feature family in an item's vector. */
const FAMILY_WEIGHT = { genre: 1, director: 0.6, cast: 0.3, term: 0.3, language: 0.3, decade: 0.4 };
const FAVORITE_GENRE_WEIGHT = 0.5;

function terms(text: string | null): string[] {
  if (!text) return [];
  return [...new Set(text.toLowerCase().match(/[a-z]{3,}/g) ?? [])].filter((t) => !STOP.has(t));
}

/**
 * The content model's arrays, built once per catalogue (in a worker thread in the service: a full catalogue takes
 * about a second of CPU) and moved, not copied, to where it scores.
 */
export interface ContentIndex {
  rowPtr: Int32Array;
  rowFeature: Int32Array;
  rowValue: Float32Array;
  /** feature → items holding it, for scoring a profile against every item at once. */
  colPtr: Int32Array;
  colItem: Int32Array;
  colValue: Float32Array;
  /** Genre id → its feature, as pairs. */
  genreFeature: Array<[number, number]>;
}

/** The index's typed arrays' buffers, for postMessage's transfer list. */
export function contentIndexBuffers(index: ContentIndex): ArrayBuffer[] {
  const { rowPtr, rowFeature, rowValue, colPtr, colItem, colValue } = index;
  return [rowPtr, rowFeature, rowValue, colPtr, colItem, colValue].map((a) => a.buffer as ArrayBuffer);
}

/** Each movie's sparse L2-normalised vector (see ContentBased), by item and by feature. */
export function buildContentIndex(items: readonly (ItemMeta | null)[]): ContentIndex {
  const vocab = new Map<string, number>();
  const id = (key: string) => {
    let f = vocab.get(key);
    if (f === undefined) {
      f = vocab.size;
      vocab.set(key, f);
    }
    return f;
  };
  const genreFeature = new Map<number, number>();
  // Each overview's terms once, for the document frequencies and then the vectors.
  const itemTerms = items.map((meta) => terms(meta?.overview ?? null));
  const docFreq = new Map<string, number>();
  for (const ts of itemTerms) for (const t of ts) docFreq.set(t, (docFreq.get(t) ?? 0) + 1);
  const n = items.length;
  const rows: Array<Map<number, number>> = items.map((meta, i) => {
    const v = new Map<number, number>();
    if (!meta) return v;
    for (const g of meta.genres) {
      const f = id(`g:${g}`);
      v.set(f, FAMILY_WEIGHT.genre);
      genreFeature.set(g, f);
    }
    if (meta.director) v.set(id(`d:${meta.director}`), FAMILY_WEIGHT.director);
    for (const c of meta.cast.slice(0, 5)) v.set(id(`c:${c}`), FAMILY_WEIGHT.cast);
    for (const t of itemTerms[i] ?? []) {
      const df = docFreq.get(t) ?? 1;
      if (df < 2 || df > n / 10) continue;
      // Scaled IDF in [0, 1]: a rare word must not outweigh a shared genre or director.
      v.set(id(`w:${t}`), (FAMILY_WEIGHT.term * Math.log(n / df)) / Math.log(n));
    }
    if (meta.language) v.set(id(`l:${meta.language}`), FAMILY_WEIGHT.language);
    if (meta.year !== null) v.set(id(`y:${Math.floor(meta.year / 10)}`), FAMILY_WEIGHT.decade);
    let norm = 0;
    for (const x of v.values()) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    for (const [f, x] of v) v.set(f, x / norm);
    return v;
  });
  const nnz = rows.reduce((s, r) => s + r.size, 0);
  const rowPtr = new Int32Array(n + 1);
  const rowFeature = new Int32Array(nnz);
  const rowValue = new Float32Array(nnz);
  const colCount = new Int32Array(vocab.size + 1);
  let at = 0;
  rows.forEach((r, i) => {
    for (const [f, x] of [...r].sort((a, b) => a[0] - b[0])) {
      rowFeature[at] = f;
      rowValue[at++] = x;
      colCount[f + 1]!++;
    }
    rowPtr[i + 1] = at;
  });
  for (let f = 0; f < vocab.size; f++) colCount[f + 1]! += colCount[f]!;
  const colItem = new Int32Array(nnz);
  const colValue = new Float32Array(nnz);
  const fill = colCount.slice(0, vocab.size);
  for (let i = 0; i < n; i++)
    for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) {
      const slot = fill[rowFeature[k]!]!++;
      colItem[slot] = i;
      colValue[slot] = rowValue[k]!;
    }
  return { rowPtr, rowFeature, rowValue, colPtr: colCount, colItem, colValue, genreFeature: [...genreFeature] };
}

/**
 * Bytes of kept history scores a content model may hold (score() with user.key: 4 bytes per item per user kept):
 * 128 MiB, some 3,400 users on the MovieLens catalogue, the least recently scored forgotten first.
 */
const KEPT_HISTORY_BYTES = 128 * 1024 * 1024;
/** A user's kept scores are summed whole again after this many fold-ins added as changes (float32 rounding). */
const WHOLE_AFTER_CHANGES = 32;

/**
 * What the content model keeps of one user between fold-ins: their history's part of every item's score,
 * Σ_h w_h · (vector_h · vector_i) before the 1/√n scaling, and the weight per item it was summed from.
 */
interface KeptHistory {
  weights: Map<number, number>;
  scores: Float32Array;
  /** Fold-ins added as changes since the scores were last summed whole. */
  changes: number;
}

/**
 * The items whose weight differs between two histories and by how much (one gone counts as its weight taken
 * away); null once there are more than `limit` of them.
 */
function changesBetween(
  before: Map<number, number>,
  after: Map<number, number>,
  limit: number,
): { items: number[]; deltas: number[] } | null {
  const items: number[] = [];
  const deltas: number[] = [];
  for (const [item, w] of after) {
    const was = before.get(item) ?? 0;
    if (w === was) continue;
    if (items.push(item) > limit) return null;
    deltas.push(w - was);
  }
  for (const [item, was] of before) {
    if (after.has(item) || was === 0) continue;
    if (items.push(item) > limit) return null;
    deltas.push(-was);
  }
  return { items, deltas };
}

/**
 * Content-based: each movie is a sparse L2-normalised vector over genres, director, cast, overview terms
 * (TF-IDF), language and decade; a user is the weighted sum of what they interacted with plus their favourite
 * genres; the score is the dot product. A new movie is scorable as soon as its metadata is known.
 */
export class ContentBased implements Recommender {
  readonly name = 'content_based';
  private readonly rowPtr: Int32Array;
  private readonly rowFeature: Int32Array;
  private readonly rowValue: Float32Array;
  /** feature → items holding it, for scoring a profile against every item at once. */
  private readonly colPtr: Int32Array;
  private readonly colItem: Int32Array;
  private readonly colValue: Float32Array;
  private readonly genreFeature: Map<number, number>;
  readonly items: readonly (ItemMeta | null)[];
  /** Users whose history scores are kept (score() with user.key), least recently scored first. */
  private readonly kept = new Map<string, KeptHistory>();
  /** How kept users' sums were brought up to date: summed whole, or only what changed added (none changed: neither). */
  readonly keptSums = { whole: 0, changes: 0 };
  private readonly keptCapacity: number;

  /**
   * From the items' index when it was built elsewhere (a worker thread), else builds it here. `keptBytes` bounds
   * the history scores kept for users scored with a key (KEPT_HISTORY_BYTES by default; 0 keeps none).
   */
  constructor(
    items: readonly (ItemMeta | null)[],
    index: ContentIndex = buildContentIndex(items),
    options: { keptBytes?: number } = {},
  ) {
    this.items = items;
    this.rowPtr = index.rowPtr;
    this.rowFeature = index.rowFeature;
    this.rowValue = index.rowValue;
    this.colPtr = index.colPtr;
    this.colItem = index.colItem;
    this.colValue = index.colValue;
    this.genreFeature = new Map(index.genreFeature);
    this.keptCapacity = Math.floor((options.keptBytes ?? KEPT_HISTORY_BYTES) / (4 * Math.max(1, this.itemCount)));
  }

  private get itemCount(): number {
    return this.rowPtr.length - 1;
  }

  /**
   * The user's profile, feature-wide: `profileWeight[f]` its weight, `profileFeatures` its features in the order
   * they were first met (as a Map's keys would be). Allocated once; only the user's own features are set, and
   * cleared after scoring. A Map of the user's features (about 3,000 for 95 movies of the real catalogue), built
   * and read per fold-in, was about a third of this model's time (470 → 330 µs a user, 161,000 postings each). The
   * sums and their order are the Map's, so the scores are the same to the bit.
   */
  private profileWeight: Float64Array | null = null;
  private profileSeen: Uint8Array | null = null;
  private readonly profileFeatures: number[] = [];

  /** Allocates the profile's arrays at the first score(). */
  private profileArrays(): void {
    const featureCount = this.colPtr.length - 1;
    this.profileWeight ??= new Float64Array(featureCount);
    this.profileSeen ??= new Uint8Array(featureCount);
  }

  private addToProfile(f: number, w: number): void {
    const weight = this.profileWeight!;
    if (this.profileSeen![f] === 0) {
      this.profileSeen![f] = 1;
      this.profileFeatures.push(f);
    }
    weight[f]! += w;
  }

  /** Adds Σ weights[h] × scale × vector of items[h] to the profile. */
  private addHistory(items: ArrayLike<number>, weights: ArrayLike<number>, scale: number): void {
    const { rowPtr, rowFeature, rowValue } = this;
    for (let h = 0; h < items.length; h++) {
      const i = items[h]!;
      const w = weights[h]! * scale;
      for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) this.addToProfile(rowFeature[k]!, w * rowValue[k]!);
    }
  }

  /** Adds the user's favourite genres to the profile (never kept: a profile change applies at once). */
  private addFavoriteGenres(user: UserInput): void {
    for (const g of user.favoriteGenres) {
      const f = this.genreFeature.get(g);
      if (f !== undefined) this.addToProfile(f, FAVORITE_GENRE_WEIGHT);
    }
  }

  /** Adds the profile's product with every item to `out` (a scatter over its features' columns) and clears it. */
  private scatterProfile(out: Float32Array): void {
    const { colPtr, colItem, colValue, profileFeatures } = this;
    const profileWeight = this.profileWeight!;
    const profileSeen = this.profileSeen!;
    for (const f of profileFeatures) {
      const w = profileWeight[f]!;
      for (let k = colPtr[f]!; k < colPtr[f + 1]!; k++) out[colItem[k]!]! += w * colValue[k]!;
      profileWeight[f] = 0;
      profileSeen[f] = 0;
    }
    profileFeatures.length = 0;
  }

  /**
   * Every item's dot product with the user's profile. With user.key the user's history part is kept (up to
   * keptBytes for all users) and the next call adds only what changed since: a fold-in after one more
   * interaction scatters that one movie's features (some 15,000 postings on the MovieLens catalogue) instead of
   * the whole profile's (161,000 for a 95-movie history), which was a third of the recommendation worker's time
   * in the interactions bench. The kept sum is float32 like `out`: it is summed whole again every
   * WHOLE_AFTER_CHANGES fold-ins, and whenever more than half of the history changed.
   */
  score(user: UserInput, out: Float32Array): void {
    this.profileArrays();
    if (user.key !== undefined && this.keptCapacity > 0) {
      this.scoreKept(user, user.key, out);
      return;
    }
    out.fill(0);
    this.addHistory(user.items, user.weights, 1 / Math.sqrt(Math.max(1, user.items.length)));
    this.addFavoriteGenres(user);
    this.scatterProfile(out);
  }

  private scoreKept(user: UserInput, key: string, out: Float32Array): void {
    const weights = new Map<number, number>();
    for (let h = 0; h < user.items.length; h++) {
      const i = user.items[h]!;
      weights.set(i, (weights.get(i) ?? 0) + user.weights[h]!);
    }
    let kept = this.kept.get(key);
    // Taken out and put back last: the Map's first entry is the least recently scored.
    if (kept) this.kept.delete(key);
    const changes =
      kept && kept.changes < WHOLE_AFTER_CHANGES
        ? changesBetween(kept.weights, weights, Math.floor(weights.size / 2))
        : null;
    if (kept && changes) {
      this.addHistory(changes.items, changes.deltas, 1);
      if (changes.items.length > 0) {
        kept.changes += 1;
        this.keptSums.changes += 1;
      }
    } else {
      kept = this.keptEntry(kept);
      kept.scores.fill(0);
      kept.changes = 0;
      this.keptSums.whole += 1;
      this.addHistory([...weights.keys()], [...weights.values()], 1);
    }
    this.scatterProfile(kept.scores);
    kept.weights = weights;
    this.kept.set(key, kept);
    const norm = 1 / Math.sqrt(Math.max(1, user.items.length));
    const { scores } = kept;
    const n = Math.min(out.length, scores.length);
    for (let i = 0; i < n; i++) out[i] = norm * scores[i]!;
    out.fill(0, n);
    this.addFavoriteGenres(user);
    this.scatterProfile(out);
  }

  /** Drops what is kept for this user (erasure). */
  forget(key: string): void {
    this.kept.delete(key);
  }

  /** Whether anything is kept for this user. */
  keeps(key: string): boolean {
    return this.kept.has(key);
  }

  /** An entry to sum a user's history into: theirs, else a new one, else the least recently scored user's. */
  private keptEntry(own: KeptHistory | undefined): KeptHistory {
    if (own) return own;
    if (this.kept.size >= this.keptCapacity) {
      const [oldest, entry] = this.kept.entries().next().value as [string, KeptHistory];
      this.kept.delete(oldest);
      return entry;
    }
    return { weights: new Map(), scores: new Float32Array(this.itemCount), changes: 0 };
  }

  /** Cosine similarity of two movies' content vectors. */
  similarity(a: number, b: number): number {
    let s = 0;
    let kb = this.rowPtr[b]!;
    const endB = this.rowPtr[b + 1]!;
    for (let ka = this.rowPtr[a]!; ka < this.rowPtr[a + 1]!; ka++) {
      while (kb < endB && this.rowFeature[kb]! < this.rowFeature[ka]!) kb++;
      if (kb < endB && this.rowFeature[kb] === this.rowFeature[ka]) s += this.rowValue[ka]! * this.rowValue[kb]!;
    }
    return s;
  }

  /** Scores every item by its similarity to one movie (similar movies, and content neighbours of a new movie). */
  scoreSimilar(item: number, out: Float32Array): void {
    out.fill(0);
    for (let k = this.rowPtr[item]!; k < this.rowPtr[item + 1]!; k++) {
      const f = this.rowFeature[k]!;
      const w = this.rowValue[k]!;
      for (let c = this.colPtr[f]!; c < this.colPtr[f + 1]!; c++) out[this.colItem[c]!]! += w * this.colValue[c]!;
    }
    out[item] = 0;
  }

  /**
   * The user's history by content feature, built at the first reason() for a user and kept for the next ones: a
   * list's fifty reasons then cost the postings of each candidate's features, not a merge of its vector with every
   * history item's (with histories of up to fifty, that merge was about a third of computing a list). Postings are
   * grouped by feature: `position` (the history item's place in user.items) and `entry` (its feature's index in the
   * row arrays); postingStart[f] is 1 + where feature f's postings begin (0: no history item has it), postingCount[f]
   * how many. The two feature-wide arrays are allocated once and only the user's own features are set and later
   * cleared, so neither a Map nor a catalogue-sized allocation is paid per user.
   */
  private history: {
    user: UserInput;
    position: Int32Array;
    entry: Int32Array;
    features: number[];
    similarity: Float64Array;
  } | null = null;
  private postingStart: Int32Array | null = null;
  private postingCount: Int32Array | null = null;

  private historyByFeature(user: UserInput) {
    if (this.history?.user === user) return this.history;
    const featureCount = this.colPtr.length - 1;
    this.postingStart ??= new Int32Array(featureCount);
    this.postingCount ??= new Int32Array(featureCount);
    const start = this.postingStart;
    const count = this.postingCount;
    for (const f of this.history?.features ?? []) {
      start[f] = 0;
      count[f] = 0;
    }
    const features: number[] = [];
    let total = 0;
    for (let k = 0; k < user.items.length; k++) {
      const h = user.items[k]!;
      for (let a = this.rowPtr[h]!; a < this.rowPtr[h + 1]!; a++) {
        const f = this.rowFeature[a]!;
        if (count[f]!++ === 0) features.push(f);
        total++;
      }
    }
    let at = 0;
    for (const f of features) {
      start[f] = at + 1;
      at += count[f]!;
      count[f] = 0;
    }
    const position = new Int32Array(total);
    const entry = new Int32Array(total);
    for (let k = 0; k < user.items.length; k++) {
      const h = user.items[k]!;
      for (let a = this.rowPtr[h]!; a < this.rowPtr[h + 1]!; a++) {
        const f = this.rowFeature[a]!;
        const slot = start[f]! - 1 + count[f]!++;
        position[slot] = k;
        entry[slot] = a;
      }
    }
    this.history = { user, position, entry, features, similarity: new Float64Array(user.items.length) };
    return this.history;
  }

  reason(user: UserInput, item: number): Reason {
    // similarity(h, item) for every history item at once: the item's features in ascending order, each adding its
    // product to the history items holding it, so every sum is the one similarity() adds up, in the same order.
    const { position, entry, similarity } = this.historyByFeature(user);
    const start = this.postingStart!;
    const count = this.postingCount!;
    similarity.fill(0);
    for (let b = this.rowPtr[item]!; b < this.rowPtr[item + 1]!; b++) {
      const f = this.rowFeature[b]!;
      const from = start[f]! - 1;
      if (from < 0) continue;
      const v = this.rowValue[b]!;
      const to = from + count[f]!;
      for (let p = from; p < to; p++) similarity[position[p]!]! += this.rowValue[entry[p]!]! * v;
    }
    const liked = strongestHistoryItem(user, (_, k) => similarity[k]!);
    if (liked >= 0) return { kind: 'because_you_liked', item: liked };
    const genre = user.favoriteGenres.find((g) => this.items[item]?.genres.includes(g));
    return genre === undefined ? { kind: 'popular' } : { kind: 'favorite_genre', genreId: genre };
  }
}
