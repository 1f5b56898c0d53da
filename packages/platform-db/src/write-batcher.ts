import type { Database, Tx } from './index';

/** One request's writes; it may run twice (in the shared batch, then alone), so it must only write through tx. */
export type BatchedWork<T> = (tx: Tx) => Promise<T>;

export interface WriteBatcherOptions {
  /** How long the first request of a batch waits for others to join it. */
  windowMs?: number;
  /** A batch that reaches this size commits without waiting for the window. */
  maxBatch?: number;
  /** Batches in flight at once (each holds one pooled connection). */
  maxConcurrent?: number;
}

export interface WriteBatcherStats {
  batches: number;
  requests: number;
  /** Batches rolled back because one request failed, whose requests then ran one transaction each. */
  retriedSingly: number;
}

export interface WriteBatcher {
  /** Runs work in a transaction shared with concurrent requests; resolves after that transaction commits. */
  run<T>(work: BatchedWork<T>): Promise<T>;
  readonly stats: WriteBatcherStats;
  /** Waits for queued and in-flight batches; later run() calls are refused. */
  close(): Promise<void>;
}

interface Pending {
  work: BatchedWork<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * Groups concurrent write requests into one transaction, so N requests cost one commit (one WAL flush)
 * instead of N, with durability untouched: each request is answered only after its transaction commits.
 * When one request fails, the batch is rolled back and every request of it runs in its own transaction,
 * so the failure is that request's alone.
 */
export function createWriteBatcher(database: Database, opts: WriteBatcherOptions = {}): WriteBatcher {
  const windowMs = opts.windowMs ?? 2;
  const maxBatch = opts.maxBatch ?? 100;
  const maxConcurrent = opts.maxConcurrent ?? 4;
  const stats: WriteBatcherStats = { batches: 0, requests: 0, retriedSingly: 0 };
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  let closed = false;
  const idle: (() => void)[] = [];

  async function runAlone(p: Pending): Promise<void> {
    try {
      p.resolve(await database.db.transaction((tx) => p.work(tx)));
    } catch (err) {
      p.reject(err);
    }
  }

  async function commit(batch: Pending[]): Promise<void> {
    stats.batches += 1;
    stats.requests += batch.length;
    if (batch.length === 1) return runAlone(batch[0] as Pending);
    try {
      const results = await database.db.transaction(async (tx) => {
        const out: unknown[] = [];
        for (const p of batch) out.push(await p.work(tx));
        return out;
      });
      for (const [i, p] of batch.entries()) p.resolve(results[i]);
    } catch {
      // Whatever failed (a request, or the commit itself), nobody's writes are in: each request tries alone.
      stats.retriedSingly += 1;
      for (const p of batch) await runAlone(p);
    }
  }

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    while (queue.length > 0 && inFlight < maxConcurrent) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      inFlight += 1;
      void commit(batch).finally(() => {
        inFlight -= 1;
        // Requests that queued while every slot was busy go now, as one bigger batch.
        if (queue.length > 0) flush();
        else if (inFlight === 0) for (const done of idle.splice(0)) done();
      });
    }
  }

  return {
    stats,
    run<T>(work: BatchedWork<T>): Promise<T> {
      if (closed) return Promise.reject(new Error('write batcher is closed'));
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
        if (queue.length >= maxBatch) flush();
        else if (!timer && inFlight < maxConcurrent) timer = setTimeout(flush, windowMs);
      });
    },
    async close() {
      closed = true;
      if (queue.length > 0) flush();
      if (inFlight > 0 || queue.length > 0) await new Promise<void>((r) => idle.push(r));
    },
  };
}
