import { ContentBased, type ContentIndex, type ItemMeta } from '../domain/content-based';
import type { DenseEase } from '../domain/ease';
import { WoodburyEase } from '../domain/ease-woodbury';
import type { Csr } from '../domain/feedback-matrix';
import type { SequenceNeighbours, Sequences } from '../domain/sequence-neighbours';
import type { ModelParams } from '../domain/train-models';
import type { Catalogue } from './load-projections';
import type { TrainWorkerInput } from './train-worker';
import { fromTransfer, sequenceFromTransfer, type TransferredModel, type TransferredSequence } from './transfer';
import { tsWorker } from './ts-worker';

export class TrainingCancelled extends Error {
  constructor() {
    super('training cancelled');
  }
}

export interface TrainedInWorker {
  collaborative: DenseEase | WoodburyEase;
  userBase: WoodburyEase | null;
  sequence: SequenceNeighbours;
}

/** A training from the projections: the models, and what the worker read and built beside them. */
export interface TrainedFromDatabase extends TrainedInWorker {
  catalogue: Catalogue;
  userRows: Map<string, number>;
  interactions: number;
  content: ContentBased;
  /** Trending score per item (decayed popularity blended with analytics' list). */
  trending: Float32Array;
}

export interface TrainingRun<T = TrainedInWorker> {
  promise: Promise<T>;
  /** Stops the worker at once; the promise rejects with TrainingCancelled. */
  cancel(): void;
}

const workerUrl = new URL('./train-worker.ts', import.meta.url);

export type WorkerMessage =
  | { kind: 'progress'; fraction: number }
  | {
      kind: 'done';
      model: TransferredModel;
      userBase: TransferredModel | 'same' | null;
      sequence: TransferredSequence;
      /** When the worker read the projections itself. */
      projections: {
        movieIds: Int32Array;
        meta: (ItemMeta | null)[];
        titles: string[];
        adult: Uint8Array;
        userRows: Map<string, number>;
        interactions: number;
        content: ContentIndex;
        trending: Float32Array;
      } | null;
    };

function runWorker<T>(
  input: TrainWorkerInput,
  onProgress: (fraction: number) => void,
  result: (done: Extract<WorkerMessage, { kind: 'done' }>, models: TrainedInWorker) => T,
): TrainingRun<T> {
  const worker = tsWorker(workerUrl, input);
  let cancelled = false;
  const promise = new Promise<T>((resolve, reject) => {
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'progress') onProgress(m.fraction);
      else {
        const collaborative = fromTransfer(m.model);
        const base = m.userBase === 'same' ? collaborative : m.userBase ? fromTransfer(m.userBase) : null;
        const models = {
          collaborative,
          userBase: base instanceof WoodburyEase ? base : null,
          sequence: sequenceFromTransfer(m.sequence),
        };
        try {
          resolve(result(m, models));
        } catch (err) {
          reject(err);
        }
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (cancelled) reject(new TrainingCancelled());
      else if (code !== 0) reject(new Error(`training worker exited with code ${code}`));
    });
  });
  return {
    promise,
    cancel() {
      cancelled = true;
      void worker.terminate();
    },
  };
}

/**
 * Trains the collaborative models (item EASE and the user-based part's base) and the sequence neighbours in a
 * worker thread, reporting progress; the event loop stays free.
 */
export function trainInWorker(
  x: Csr,
  sequences: Sequences,
  params: ModelParams,
  onProgress: (fraction: number) => void,
): TrainingRun {
  return runWorker({ source: 'data', x, sequences, params }, onProgress, (_, models) => models);
}

/**
 * The service's training: the worker reads the projections over its own connection (at half the design's volume,
 * 5M interactions, reading and shaping them on the event loop stalled it for 11 s in one piece), trains, builds the
 * content index and the trending scores, and sends it all back with the arrays moved.
 */
export function trainFromDatabaseInWorker(
  databaseUrl: string,
  params: ModelParams,
  onProgress: (fraction: number) => void,
  now = Date.now() / 1000,
): TrainingRun<TrainedFromDatabase> {
  return runWorker({ source: 'database', databaseUrl, params, now }, onProgress, (m, models) => {
    const p = m.projections;
    if (!p) throw new Error('training worker sent no projections');
    const catalogue: Catalogue = {
      movieIds: p.movieIds,
      index: new Map(Array.from(p.movieIds, (id, i) => [id, i])),
      meta: p.meta,
      titles: p.titles,
      adult: p.adult,
    };
    return {
      ...models,
      catalogue,
      userRows: p.userRows,
      interactions: p.interactions,
      content: new ContentBased(p.meta, p.content),
      trending: p.trending,
    };
  });
}
