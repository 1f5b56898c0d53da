import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, queryFailure } from '@marquee/platform-db';
import { buildContentIndex, contentIndexBuffers } from '../domain/content-based';
import type { Csr } from '../domain/feedback-matrix';
import { SequenceNeighbours, type Sequences } from '../domain/sequence-neighbours';
import { type ModelParams, trainCollaborativeParts } from '../domain/train-models';
import { loadTrainingData, trendingScores } from './load-projections';
import type { WorkerMessage } from './run-training';
import { sequenceTransfer, toTransfer } from './transfer';

export type TrainWorkerInput =
  | { source: 'data'; x: Csr; sequences: Sequences; params: ModelParams }
  /** The projections read here, by the worker's own connection: at the design's volume reading and shaping them took seconds of the event loop. */
  | { source: 'database'; databaseUrl: string; params: ModelParams; now: number };

/** Runs in a worker thread: loading the projections and the n³ part of training never block the service's event loop. */
const input = workerData as TrainWorkerInput;
const port = parentPort;
if (!port) throw new Error('train-worker must run as a worker thread');
const send = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function trainingInput() {
  if (input.source === 'data') return { x: input.x, sequences: input.sequences, loaded: null };
  const database = openDatabase(input.databaseUrl, { max: 1, applicationName: 'recommendation-training' });
  try {
    const data = await loadTrainingData(database);
    return { x: data.x, sequences: data.sequences, loaded: data };
  } catch (err) {
    // PostgreSQL's reason, not drizzle's wrapper (only the message crosses the thread).
    throw new Error(`reading the projections failed: ${(queryFailure(err) as Error).message}`);
  } finally {
    await database.close();
  }
}

const { x, sequences, loaded } = await trainingInput();
const { params } = input;
const { collaborative, userBase } = trainCollaborativeParts(x, sequences, params, (fraction) =>
  send({ kind: 'progress', fraction }),
);
const sequence = SequenceNeighbours.train(x.cols, sequences, params.sequence);
const message = toTransfer(collaborative);
// The user-based base is often the collaborative model itself: sent once, then named 'same'.
const base = userBase && userBase !== collaborative ? toTransfer(userBase) : null;
const links = [sequence.indptr.buffer, sequence.indices.buffer, sequence.values.buffer] as ArrayBuffer[];
const buffers = [...message.buffers, ...(base?.buffers ?? []), ...links];
let projections: Extract<WorkerMessage, { kind: 'done' }>['projections'] = null;
if (loaded && input.source === 'database') {
  const { catalogue } = loaded;
  const content = buildContentIndex(catalogue.meta);
  const trending = trendingScores(loaded, input.now, params.trendingHalfLifeDays);
  projections = {
    movieIds: catalogue.movieIds,
    meta: catalogue.meta,
    titles: catalogue.titles,
    adult: catalogue.adult,
    userRows: loaded.userRows,
    interactions: x.indices.length,
    content,
    trending,
  };
  buffers.push(
    catalogue.movieIds.buffer as ArrayBuffer,
    catalogue.adult.buffer as ArrayBuffer,
    trending.buffer as ArrayBuffer,
    ...contentIndexBuffers(content),
  );
}
send(
  {
    kind: 'done',
    model: message.model,
    userBase: base ? base.model : userBase ? 'same' : null,
    sequence: sequenceTransfer(sequence),
    projections,
  },
  buffers,
);
