import { Worker } from 'node:worker_threads';
import { runtimeRegister } from '@marquee/platform-runtime';

/**
 * A worker thread running one of this service's TypeScript files: the service runs from its sources, so the worker
 * loads the runtime's resolver before its entry (hooks registered on the main thread do not reach a worker).
 */
export function tsWorker(entry: URL, workerData: unknown): Worker {
  const bootstrap = `import(${JSON.stringify(runtimeRegister)}).then(() => import(${JSON.stringify(entry.href)}))`;
  return new Worker(bootstrap, { eval: true, workerData });
}
