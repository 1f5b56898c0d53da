import type { DenseEase } from '../domain/ease';
import { WoodburyEase } from '../domain/ease-woodbury';
import type { Csr } from '../domain/feedback-matrix';
import type { SequenceNeighbours, Sequences } from '../domain/sequence-neighbours';
import type { ModelParams } from '../domain/train-models';
import { tsWorker } from './ts-worker';
import { fromTransfer, sequenceFromTransfer, type TransferredModel, type TransferredSequence } from './transfer';

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

export interface TrainingRun {
  promise: Promise<TrainedInWorker>;
  /** Stops the worker at once; the promise rejects with TrainingCancelled. */
  cancel(): void;
}

const workerUrl = new URL('./train-worker.ts', import.meta.url);

type WorkerMessage =
  | { kind: 'progress'; fraction: number }
  | {
      kind: 'done';
      model: TransferredModel;
      userBase: TransferredModel | 'same' | null;
      sequence: TransferredSequence;
    };

/**
 * Trains the collaborative models (item EASE and the user-based part's base) and the sequence neighbours in a worker thread, reporting progress; the event
 * loop stays free.
 */
export function trainInWorker(
  x: Csr,
  sequences: Sequences,
  params: ModelParams,
  onProgress: (fraction: number) => void,
): TrainingRun {
  const worker = tsWorker(workerUrl, { x, sequences, params });
  let cancelled = false;
  const promise = new Promise<TrainedInWorker>((resolve, reject) => {
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'progress') onProgress(m.fraction);
      else {
        const collaborative = fromTransfer(m.model);
        const base = m.userBase === 'same' ? collaborative : m.userBase ? fromTransfer(m.userBase) : null;
        resolve({
          collaborative,
          userBase: base instanceof WoodburyEase ? base : null,
          sequence: sequenceFromTransfer(m.sequence),
        });
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
