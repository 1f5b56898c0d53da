import { parentPort, workerData } from 'node:worker_threads';
import { buildContentIndex, contentIndexBuffers, type ItemMeta } from '../domain/content-based';

/** Runs in a worker thread: the content index of a whole catalogue, built off the service's event loop. */
const port = parentPort;
if (!port) throw new Error('content-worker must run as a worker thread');
const index = buildContentIndex(workerData as (ItemMeta | null)[]);
port.postMessage(index, contentIndexBuffers(index));
