import { parentPort, workerData } from 'node:worker_threads';
import type { Csr } from '../domain/feedback-matrix';
import { type ModelParams, trainCollaborative } from '../domain/train-models';
import { toTransfer } from './transfer';

/** Runs in a worker thread: the n³ part of training never blocks the service's event loop. */
const { x, params } = workerData as { x: Csr; params: ModelParams };
const port = parentPort;
if (!port) throw new Error('train-worker must run as a worker thread');
const model = trainCollaborative(x, params, (fraction) => port.postMessage({ kind: 'progress', fraction }));
const message = toTransfer(model);
port.postMessage({ kind: 'done', model: message.model }, message.buffers);
