import { parentPort, workerData } from 'node:worker_threads';
import type { Csr } from '../domain/feedback-matrix';
import { SequenceNeighbours, type Sequences } from '../domain/sequence-neighbours';
import { type ModelParams, trainCollaborative } from '../domain/train-models';
import { sequenceTransfer, toTransfer } from './transfer';

/** Runs in a worker thread: the n³ part of training never blocks the service's event loop. */
const { x, sequences, params } = workerData as { x: Csr; sequences: Sequences; params: ModelParams };
const port = parentPort;
if (!port) throw new Error('train-worker must run as a worker thread');
const model = trainCollaborative(x, params, (fraction) => port.postMessage({ kind: 'progress', fraction }));
const sequence = SequenceNeighbours.train(x.cols, sequences, params.sequence);
const message = toTransfer(model);
const links = [sequence.indptr.buffer, sequence.indices.buffer, sequence.values.buffer] as ArrayBuffer[];
port.postMessage({ kind: 'done', model: message.model, sequence: sequenceTransfer(sequence) }, [
  ...message.buffers,
  ...links,
]);
