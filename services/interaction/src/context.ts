import type { FieldCipher } from '@marquee/platform-crypto';
import type { Database, InputBatcher, WriteBatcher } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import type { Registry } from '@marquee/platform-metrics';
import type { InteractionInput } from './domain/interaction-rules';
import type { RecordOutcome } from './interactions/record-interactions';
import type { MovieDirectory } from './movies/movie-directory';

/** What the use cases need, built once per process. */
export interface InteractionContext {
  database: Database;
  logger: Logger;
  /** The service's one registry, served at /metrics. */
  metrics: Registry;
  /** Live PUTs: concurrent ones share one statement and one commit. */
  recorder: InputBatcher<InteractionInput, RecordOutcome>;
  /** Live DELETEs share commits through it. */
  writes: WriteBatcher;
  movies: MovieDirectory;
  /** Feedback comments are stored encrypted under it (domain/feedback-comment.ts). */
  cipher: FieldCipher;
  bulkMaxItems: number;
}
