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
  /** Told of each batch once it is answered (for metrics): where its requests' time went. */
  onBatch?: (batch: BatchTiming) => void;
}

export interface BatchTiming {
  size: number;
  /** Mean time its requests waited in the queue (window, or every commit slot busy), ms. */
  queuedMs: number;
  /** From the batch leaving the queue until its requests are answered (begin to commit, retries included), ms. */
  commitMs: number;
}

export interface WriteBatcherStats {
  batches: number;
  requests: number;
  /** Batches rolled back because one request failed, whose requests then ran one transaction each. */
  retriedSingly: number;
  /** The window the next batch will wait (ms): windowMs under load, shrinking towards 0 while requests come alone. */
  windowMs: number;
}

interface Pending<I> {
  item: I;
  /** performance.now() when queued. */
  at: number;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * The queue both batchers share. A request that finds a free commit slot waits up to the window for others to
 * join it (or until maxBatch); at most maxConcurrent batches commit at once, each on its own pooled connection,
 * and requests arriving while every slot is busy form the next, bigger batch as soon as one frees (so under load
 * batches grow with the commit time and need no window at all). The window adapts: when it ends with the first
 * request still alone, the next one is half as long (down to none: the batch leaves on the next turn of the
 * event loop), so a light load does not pay a wait that gathers nobody; once a window gathers company it is
 * back to windowMs.
 */
function batchQueue<I>(
  commit: (batch: Pending<I>[]) => Promise<void>,
  opts: WriteBatcherOptions,
  stats: WriteBatcherStats,
) {
  const windowMs = opts.windowMs ?? 2;
  const maxBatch = opts.maxBatch ?? 100;
  const maxConcurrent = opts.maxConcurrent ?? 4;
  let window = windowMs;
  let queue: Pending<I>[] = [];
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let inFlight = 0;
  let closed = false;
  const idle: (() => void)[] = [];

  function cancelTimer(): void {
    if (timer) {
      clearTimeout(timer as NodeJS.Timeout);
      clearImmediate(timer as NodeJS.Immediate);
    }
    timer = undefined;
  }

  function flush(): void {
    cancelTimer();
    while (queue.length > 0 && inFlight < maxConcurrent) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      inFlight += 1;
      const started = performance.now();
      void commit(batch).finally(() => {
        inFlight -= 1;
        opts.onBatch?.({
          size: batch.length,
          queuedMs: batch.reduce((sum, p) => sum + (started - p.at), 0) / batch.length,
          commitMs: performance.now() - started,
        });
        if (queue.length > 0) flush();
        else if (inFlight === 0) for (const done of idle.splice(0)) done();
      });
    }
  }

  function windowEnded(): void {
    timer = undefined;
    window = queue.length > 1 ? windowMs : window < 0.25 ? 0 : window / 2;
    stats.windowMs = window;
    flush();
  }

  return {
    push<T>(item: I): Promise<T> {
      if (closed) return Promise.reject(new Error('write batcher is closed'));
      return new Promise<T>((resolve, reject) => {
        queue.push({ item, at: performance.now(), resolve: resolve as (v: unknown) => void, reject });
        if (queue.length >= maxBatch) flush();
        else if (!timer && inFlight < maxConcurrent)
          timer = window > 0 ? setTimeout(windowEnded, window) : setImmediate(windowEnded);
      });
    },
    async close(): Promise<void> {
      closed = true;
      if (queue.length > 0) flush();
      if (inFlight > 0 || queue.length > 0) await new Promise<void>((r) => idle.push(r));
    },
  };
}

export interface WriteBatcher {
  /** Runs work in a transaction shared with concurrent requests; resolves after that transaction commits. */
  run<T>(work: BatchedWork<T>): Promise<T>;
  readonly stats: WriteBatcherStats;
  /** Waits for queued and in-flight batches; later run() calls are refused. */
  close(): Promise<void>;
}

/**
 * Groups concurrent write requests into one transaction, so N requests cost one commit (one WAL flush)
 * instead of N, with durability untouched: each request is answered only after its transaction commits.
 * When one request fails, the batch is rolled back and every request of it runs in its own transaction,
 * so the failure is that request's alone.
 */
export function createWriteBatcher(database: Database, opts: WriteBatcherOptions = {}): WriteBatcher {
  // The input batcher with each request's work as its input, run one after another in the shared transaction.
  const batcher = createInputBatcher<BatchedWork<unknown>, unknown>(
    database,
    async (tx, works) => {
      const out: unknown[] = [];
      for (const work of works) out.push(await work(tx));
      return out;
    },
    opts,
  );
  return {
    stats: batcher.stats,
    run: <T>(work: BatchedWork<T>) => batcher.write(work) as Promise<T>,
    close: () => batcher.close(),
  };
}

export interface InputBatcher<I, O> {
  /** Queues one input; resolves with its output after the transaction that wrote it commits. */
  write(input: I): Promise<O>;
  readonly stats: WriteBatcherStats;
  close(): Promise<void>;
}

/**
 * Like createWriteBatcher, but the batch's inputs go to one apply call (one statement for N requests, not N):
 * the fewest round trips per commit. apply returns one output per input, in order; when it throws, each input
 * is applied alone in its own transaction.
 */
export function createInputBatcher<I, O>(
  database: Database,
  apply: (tx: Tx, inputs: I[]) => Promise<O[]>,
  opts: WriteBatcherOptions = {},
): InputBatcher<I, O> {
  const stats: WriteBatcherStats = { batches: 0, requests: 0, retriedSingly: 0, windowMs: opts.windowMs ?? 2 };
  const alone = async (p: Pending<I>) => {
    try {
      p.resolve((await database.db.transaction((tx) => apply(tx, [p.item])))[0]);
    } catch (err) {
      p.reject(err);
    }
  };
  const queue = batchQueue<I>(
    async (batch) => {
      stats.batches += 1;
      stats.requests += batch.length;
      if (batch.length === 1) return alone(batch[0] as Pending<I>);
      try {
        const outputs = await database.db.transaction((tx) =>
          apply(
            tx,
            batch.map((p) => p.item),
          ),
        );
        if (outputs.length !== batch.length) throw new Error('apply must return one output per input');
        for (const [i, p] of batch.entries()) p.resolve(outputs[i]);
      } catch {
        // Whatever failed (an input, or the commit itself), nobody's writes are in: each input tries alone.
        stats.retriedSingly += 1;
        for (const p of batch) await alone(p);
      }
    },
    opts,
    stats,
  );
  return { stats, write: (input) => queue.push<O>(input), close: () => queue.close() };
}
