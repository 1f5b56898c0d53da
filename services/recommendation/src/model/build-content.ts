import { ContentBased, type ContentIndex, type ItemMeta } from '../domain/content-based';
import { tsWorker } from './ts-worker';

const workerUrl = new URL('./content-worker.ts', import.meta.url);

/**
 * The content model of a catalogue, its index built in a worker thread: on the event loop a full catalogue (9,742
 * movies) held the service for one to four seconds on 2 busy cores, after every retrain and every catalogue import,
 * long enough for the gateway's requests to time out. The items are copied to the worker; the arrays come back moved.
 */
export function buildContentInWorker(items: readonly (ItemMeta | null)[]): Promise<ContentBased> {
  const worker = tsWorker(workerUrl, items);
  // A build still running at shutdown does not keep the process alive.
  worker.unref();
  return new Promise<ContentBased>((resolve, reject) => {
    worker.once('message', (index: ContentIndex) => {
      resolve(new ContentBased(items, index));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`content worker exited with code ${code} before it answered`)));
  });
}
