import { type Database, intArray } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import { sql } from 'drizzle-orm';
import { ContentBased } from '../domain/content-based';
import { WoodburyEase } from '../domain/ease-woodbury';
import type { AlgorithmName, Variant } from '../domain/experiments';
import { csrFromTriplets } from '../domain/feedback-matrix';
import { Hybrid } from '../domain/hybrid';
import { PopularityRecommender } from '../domain/popularity';
import type { Recommender } from '../domain/recommender';
import { SequenceNeighbours } from '../domain/sequence-neighbours';
import { blendModels, defaultParams, type TrainedModels } from '../domain/train-models';
import { appendMovies, type Catalogue, emptyCatalogue, type MovieRow } from './load-projections';
import { buildContentInWorker } from './build-content';
import {
  type TrainedFromDatabase,
  TrainingCancelled,
  type TrainingRun,
  trainFromDatabaseInWorker,
} from './run-training';

export interface ModelStatus {
  version: number | null;
  training: { version: number; progress: number } | null;
}

/** The current model set, swapped whole when a retrain finishes; folds-in read it without waiting. */
export interface ModelSnapshot {
  version: number | null;
  catalogue: Catalogue;
  models: TrainedModels;
  deleted: Set<number>;
  /** Each trained user's row in the training matrix (the user-based part leaves that row out). */
  userRows: Map<string, number>;
}

function emptySnapshot(): ModelSnapshot {
  const catalogue = emptyCatalogue();
  const x = csrFromTriplets(0, 0, [], [], []);
  const content = new ContentBased([]);
  const trending = new PopularityRecommender('trending', new Float32Array());
  const collaborative = new WoodburyEase(x, x, new Float64Array(), new Float64Array(), 1);
  const hybrid = new Hybrid([], [], 0);
  const sequence = new SequenceNeighbours(0, new Int32Array(1), new Int32Array(), new Float32Array());
  return {
    version: null,
    catalogue,
    models: { collaborative, userBase: null, users: null, sequence, content, trending, hybrid },
    deleted: new Set(),
    userRows: new Map(),
  };
}

export class ModelStore {
  current: ModelSnapshot = emptySnapshot();
  private appendTimer: NodeJS.Timeout | null = null;
  private appending: Promise<void> | null = null;
  private appendAgain = false;
  /** Commanded retrains this process recorded: other processes of the service follow them, it does not. */
  private readonly commanded = new Set<number>();
  /** The newest commanded retrain seen (-1: not looked yet; what was recorded before this process is not followed). */
  private followedCommand = -1;
  private run: {
    version: number;
    progress: number;
    handle: TrainingRun<TrainedFromDatabase> | null;
    /** Movies deleted while it ran (the worker may have read them before). */
    dropped: Set<number>;
  } | null = null;
  private readonly database: Database;
  private readonly logger: Logger;
  /** Where the training worker reads the projections (the service's own application role). */
  private readonly databaseUrl: string;

  constructor(database: Database, logger: Logger, databaseUrl: string) {
    this.database = database;
    this.logger = logger;
    this.databaseUrl = databaseUrl;
  }

  status(): ModelStatus {
    return {
      version: this.current.version,
      training: this.run ? { version: this.run.version, progress: this.run.progress } : null,
    };
  }

  /** A model per algorithm; a variant may re-weight the hybrid's blend. */
  recommender(algorithm: AlgorithmName, variant?: Variant): Recommender {
    const { models, catalogue } = this.current;
    if (algorithm === 'collaborative') return models.collaborative;
    if (algorithm === 'content_based') return models.content;
    if (algorithm === 'trending') return models.trending;
    if (!variant?.blend) return models.hybrid;
    const blend = { ...variant.blend, users: variant.blend.users ?? 0, sequence: variant.blend.sequence ?? 0 };
    return blendModels(models, { blend, coldStart: defaultParams.coldStart }, catalogue.movieIds.length).hybrid;
  }

  /**
   * Full retrain from the projections; returns the recorded version (null when one is already running). Trigger
   * `follow`: another process of the service was commanded to retrain (followCommands).
   */
  async train(trigger: 'start' | 'schedule' | 'command' | 'follow'): Promise<number | null> {
    if (this.run) return null;
    const params = defaultParams;
    const inserted = await this.database.db.execute<{ id: number }>(
      sql`insert into model_versions (status, trigger, params) values ('running', ${trigger}, ${JSON.stringify(params)}::jsonb) returning id`,
    );
    const version = inserted.rows[0]!.id;
    if (trigger === 'command') this.commanded.add(version);
    this.run = { version, progress: 0, handle: null, dropped: new Set() };
    const started = performance.now();
    try {
      // Reading the projections, training, the content index and the trending scores: all in the worker.
      this.run.handle = trainFromDatabaseInWorker(this.databaseUrl, params, (p) => {
        if (this.run) this.run.progress = p;
      });
      const trained = await this.run.handle.promise;
      const { catalogue, collaborative, userBase, sequence, content } = trained;
      const trending = new PopularityRecommender('trending', trained.trending);
      this.current = {
        version,
        catalogue,
        models: blendModels({ collaborative, userBase, sequence, content, trending }, params, catalogue.meta.length),
        deleted: new Set(),
        userRows: trained.userRows,
      };
      // What changed in the catalogue while the worker read and trained: deletions apply to the new model, and
      // movies that arrived meanwhile (appended to the snapshot it replaces) join it.
      for (const movieId of this.run.dropped) this.dropMovie(movieId);
      void this.requestAppend();
      const users = trained.userRows.size;
      const items = catalogue.meta.length;
      const trainMs = Math.round(performance.now() - started);
      await this.database.db.execute(sql`
        update model_versions set status = 'succeeded', finished_at = now(), users = ${users},
          items = ${items}, interactions = ${trained.interactions}, train_ms = ${trainMs}
        where id = ${version}`);
      this.logger.info({ version, trainMs, users, items }, 'model trained');
      return version;
    } catch (err) {
      const status = err instanceof TrainingCancelled ? 'cancelled' : 'failed';
      await this.database.db.execute(
        sql`update model_versions set status = ${status}, finished_at = now(), error = ${(err as Error).message} where id = ${version}`,
      );
      if (status === 'failed') this.logger.error({ err, version }, 'model training failed');
      throw err;
    } finally {
      this.run = null;
    }
  }

  /** Cancels the running training; false when none runs. */
  cancel(): boolean {
    if (!this.run?.handle) return false;
    this.run.handle.cancel();
    return true;
  }

  /**
   * Movies that arrived after the last training join the catalogue at the end (existing indices stay valid for
   * the collaborative model) and the content model is rebuilt (in a worker thread), so a new movie has content
   * neighbours at once. When the snapshot changed meanwhile (a retrain ended), it starts again from the new one.
   */
  async appendNewMovies(): Promise<number> {
    for (;;) {
      const base = this.current;
      const known = Array.from(base.catalogue.movieIds);
      const rows = await this.database.db.execute<MovieRow>(
        sql`select * from rec_movies where movie_id <> all(${intArray(known)}) order by movie_id`,
      );
      if (rows.rows.length === 0) return 0;
      const { catalogue, models, deleted, version, userRows } = base;
      const extended = appendMovies(catalogue, rows.rows);
      const content = await buildContentInWorker(extended.meta);
      if (this.current !== base) continue;
      const trendingScores = new Float32Array(extended.meta.length);
      trendingScores.set(models.trending.scores);
      const parts = {
        collaborative: models.collaborative,
        userBase: models.userBase,
        sequence: models.sequence,
        content,
        trending: new PopularityRecommender('trending', trendingScores),
      };
      this.current = {
        version,
        catalogue: extended,
        models: blendModels(parts, defaultParams, extended.meta.length),
        deleted,
        userRows,
      };
      return rows.rows.length;
    }
  }

  /**
   * Debounced appendNewMovies: an import of thousands of movies rebuilds the content model once, after it. One
   * append runs at a time; movies that arrive during it get one more.
   */
  scheduleAppend(movieId: number): void {
    if (this.current.catalogue.index.has(movieId)) return;
    if (this.appendTimer) clearTimeout(this.appendTimer);
    this.appendTimer = setTimeout(() => {
      this.appendTimer = null;
      void this.requestAppend();
    }, 500);
    this.appendTimer.unref();
  }

  /** Runs appendNewMovies now, or once more after the one running; resolves when the movies known now are in. */
  requestAppend(): Promise<void> {
    if (this.appending) {
      this.appendAgain = true;
      return this.appending;
    }
    this.appending = (async () => {
      do {
        this.appendAgain = false;
        try {
          await this.appendNewMovies();
        } catch (err) {
          this.logger.error({ err }, 'adding new movies failed');
        }
      } while (this.appendAgain);
    })().finally(() => {
      this.appending = null;
    });
    return this.appending;
  }

  /**
   * Brings the model level with rec_movies when another process projects the catalogue (an api process beside the
   * worker, SERVICE_ROLE): movies gone from the table are dropped, new ones appended. Returns what it changed.
   */
  async followMovies(): Promise<{ dropped: number; added: boolean }> {
    const { rows } = await this.database.db.execute<{ ids: number[] }>(
      sql`select coalesce(array_agg(movie_id), '{}') as ids from rec_movies`,
    );
    const present = new Set(rows[0]?.ids ?? []);
    const { catalogue, deleted } = this.current;
    let dropped = 0;
    for (const movieId of catalogue.movieIds) {
      const i = catalogue.index.get(movieId) as number;
      if (!present.has(movieId) && !deleted.has(i)) {
        this.dropMovie(movieId);
        dropped += 1;
      }
    }
    const added = [...present].some((movieId) => !catalogue.index.has(movieId));
    if (added) await this.requestAppend();
    return { dropped, added };
  }

  /**
   * Starts a retrain (trigger `follow`) when another process of the service (its api or worker half, a replica) has
   * recorded a commanded retrain since the last look, so an admin's command reaches the model of every process; true
   * when it started one. The first look only notes where things stand (this process trained at its start).
   */
  async followCommands(): Promise<boolean> {
    const { rows } = await this.database.db.execute<{ id: number | null }>(
      sql`select max(id)::int as id from model_versions where trigger = 'command'`,
    );
    const newest = rows[0]?.id ?? 0;
    if (this.followedCommand < 0 || this.commanded.has(newest)) this.followedCommand = newest;
    // A training running now is looked at again next round.
    if (newest <= this.followedCommand || this.run) return false;
    this.followedCommand = newest;
    this.train('follow').catch((err: unknown) =>
      this.logger.warn({ err }, 'following a commanded retrain ended early'),
    );
    return true;
  }

  /** user.deleted: what the models keep of the user between fold-ins goes at once. */
  forgetUser(userId: string): void {
    this.current.models.content.forget(userId);
  }

  /** movie.deleted: the movie leaves every model at once (no retrain needed). */
  dropMovie(movieId: number): void {
    // A training running now may have read the movie before it was deleted: it is dropped from that model too.
    this.run?.dropped.add(movieId);
    const i = this.current.catalogue.index.get(movieId);
    if (i === undefined) return;
    this.current.deleted.add(i);
    const { collaborative, userBase } = this.current.models;
    collaborative.drop(i);
    if (userBase && userBase !== collaborative) userBase.drop(i);
  }
}
