import type { Database, WriteBatcher } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import type { MovieDirectory } from './movies/movie-directory';

/** What the use cases need, built once per process. */
export interface InteractionContext {
  database: Database;
  logger: Logger;
  /** Live writes share commits through it. */
  writes: WriteBatcher;
  movies: MovieDirectory;
  bulkMaxItems: number;
}
