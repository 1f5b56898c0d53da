import { parentPort, workerData } from 'node:worker_threads';
import type { Csr } from '../domain/feedback-matrix';
import { SequenceNeighbours, type Sequences } from '../domain/sequence-neighbours';
import { type ModelParams, trainCollaborativeParts } from '../domain/train-models';
import { sequenceTransfer, toTransfer } from './transfer';

/** Runs in a worker thread: the n³ part of training never blocks the service's event loop. */
const { x, sequences, params } = workerData as { x: Csr; sequences: Sequences; params: ModelParams };
const port = parentPort;
if (!port) throw new Error('train-worker must run as a worker thread');
const { collaborative, userBase } = trainCollaborativeParts(x, sequences, params, (fraction) =>
  port.postMessage({ kind: 'progress', fraction }),
);
const sequence = SequenceNeighbours.train(x.cols, sequences, params.sequence);
const message = toTransfer(collaborative);
// The user-based base is often the collaborative model itself: sent once, then named 'same'.
const base = userBase && userBase !== collaborative ? toTransfer(userBase) : null;
const links = [sequence.indptr.buffer, sequence.indices.buffer, sequence.values.buffer] as ArrayBuffer[];
port.postMessage(
  {
    kind: 'done',
    model: message.model,
    userBase: base ? base.model : userBase ? 'same' : null,
    sequence: sequenceTransfer(sequence),
  },
  [...message.buffers, ...(base?.buffers ?? []), ...links],
);
