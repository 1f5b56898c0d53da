import {
  AdminSession,
  catalogIdsByMovielensId,
  ensureAccount,
  hasRatings,
  importBatch,
  type ServiceUrls,
} from './marquee-client';
import { demoAccount, type MovielensRating, ratingImportRow, readRatings } from './movielens-ratings';

export interface SeedOptions {
  urls: ServiceUrls;
  dataDir: string;
  adminLogin: string;
  adminPassword: string;
  demoPassword: string;
  emailDomain: string;
  /** Leave a system alone whose first demo user already has ratings. */
  ifEmpty: boolean;
  batchSize: number;
  progress(message: string): void;
}

export interface SeedSummary {
  skipped: boolean;
  users: number;
  usersCreated: number;
  ratings: number;
  recorded: number;
  unchanged: number;
  /** Ratings of MovieLens movies the catalog does not hold (none with the bundled data). */
  unmappedMovies: number;
  rejected: number;
  demoLogin: string;
  ms: number;
}

/** Runs work over items with at most `limit` in flight, in order of start. */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
    }
  });
  await Promise.all(lanes);
  return out;
}

/**
 * The MovieLens community as Marquee accounts: each of its users registered through auth (found again on a
 * re-run), their ratings replayed with original times through the interaction service's admin import.
 * Idempotent: a second run registers nobody and writes nothing.
 */
export async function seedDemoCommunity(opts: SeedOptions): Promise<SeedSummary> {
  const started = Date.now();
  const admin = new AdminSession(opts.urls, opts.adminLogin, opts.adminPassword);
  const ratings = await readRatings(opts.dataDir);
  const userNumbers = [...new Set(ratings.map((r) => r.userId))].sort((a, b) => a - b);
  const account = (n: number) => ({ ...demoAccount(n, opts.emailDomain), password: opts.demoPassword });
  const summary: SeedSummary = {
    skipped: false,
    users: userNumbers.length,
    usersCreated: 0,
    ratings: ratings.length,
    recorded: 0,
    unchanged: 0,
    unmappedMovies: 0,
    rejected: 0,
    demoLogin: account(userNumbers[0] ?? 1).email,
    ms: 0,
  };

  const catalogIds = await catalogIdsByMovielensId(opts.urls);
  // The ratings are replayed in file order (by user) and the last batch only once all others are written, so the
  // last replayed user's having ratings means a run went to the end: a run cut off halfway (./marquee down during
  // the first up) is finished by the next --if-empty instead of being taken for a complete community.
  const lastUser = ratings.findLast((r) => catalogIds.has(r.movieId))?.userId ?? userNumbers[0] ?? 1;
  const early = new Map<number, Awaited<ReturnType<typeof ensureAccount>>>();
  early.set(userNumbers[0] ?? 1, await ensureAccount(opts.urls, admin, account(userNumbers[0] ?? 1)));
  if (opts.ifEmpty) {
    const last = early.get(lastUser) ?? (await ensureAccount(opts.urls, admin, account(lastUser)));
    early.set(lastUser, last);
    if (!last.created && (await hasRatings(opts.urls, admin, last.userId))) {
      opts.progress('already seeded (the last demo user has ratings); nothing to do');
      return { ...summary, skipped: true, ratings: 0, ms: Date.now() - started };
    }
  }

  opts.progress(`registering ${userNumbers.length} MovieLens users through auth`);
  // argon2id hashing dominates registration: two at a time keeps the machine responsive.
  const accounts = await inParallel(userNumbers, 2, (n) => ensureAccount(opts.urls, admin, account(n)));
  const userIds = new Map(userNumbers.map((n, i) => [n, accounts[i]?.userId as string]));
  // The accounts made above were found again here: count them as made.
  summary.usersCreated = accounts.filter((a) => a.created).length + [...early.values()].filter((a) => a.created).length;

  const rows = ratings.flatMap((r: MovielensRating) => {
    const movieId = catalogIds.get(r.movieId);
    if (movieId === undefined) {
      summary.unmappedMovies += 1;
      return [];
    }
    return [ratingImportRow(r, userIds.get(r.userId), movieId)];
  });
  const batches: (typeof rows)[] = [];
  for (let i = 0; i < rows.length; i += opts.batchSize) batches.push(rows.slice(i, i + opts.batchSize));
  opts.progress(`replaying ${rows.length} ratings in ${batches.length} batches through the admin import`);
  let done = 0;
  const total = batches.length;
  const replay = async (batch: (typeof rows)[number][]) => {
    const result = await importBatch(opts.urls, admin, batch);
    summary.recorded += result.recorded;
    summary.unchanged += result.unchanged + result.superseded;
    summary.rejected += result.rejected.length;
    done += 1;
    if (done % 20 === 0) opts.progress(`${done}/${total} batches`);
  };
  const final = batches.pop();
  await inParallel(batches, 2, replay);
  if (final) await replay(final);
  const ms = Date.now() - started;
  // The log's last line says the run finished (./marquee up runs it in the background).
  opts.progress(
    `done in ${(ms / 1000).toFixed(1)} s: ${summary.users} users (${summary.usersCreated} new), ${summary.recorded} ratings recorded, ${summary.unchanged} already there, ${summary.rejected} rejected, ${summary.unmappedMovies} for movies not in the catalog`,
  );
  return { ...summary, ms };
}
