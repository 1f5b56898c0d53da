import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

// CLIENT spans for pg queries, in place of @opentelemetry/instrumentation-pg. That one wraps each traced
// query's promise in a second one, builds the attributes of a duration histogram on every query (metrics
// here are the services' Prometheus registries), and adds a span for every pool checkout. Here a query
// run inside a recording span gets one span (the SQL text, never its values; the operation; the database
// and server), ended by the query's own promise or callback; any other query only pays the check.

const tracer = trace.getTracer('@marquee/platform-tracing/pg');
const PATCHED = Symbol.for('marquee.tracing.pg');

interface PgClient {
  database?: string;
  connectionParameters?: { host?: string; port?: number };
}

type QueryFn = (this: PgClient, config: unknown, values?: unknown, callback?: unknown) => unknown;
type Callback = (this: unknown, err: unknown, ...rest: unknown[]) => unknown;

/** The statement's first word, upper-cased (SELECT, INSERT, BEGIN, …): low-cardinality, and cheap to find. */
function operationOf(text: string): string {
  const trimmed = text.trimStart();
  const end = trimmed.search(/[\s;(]/);
  return (end === -1 ? trimmed : trimmed.slice(0, end)).toUpperCase();
}

/** What a failed query leaves on its span: the error's class and SQLSTATE, never its message (it may quote values). */
function failed(span: Span, err: unknown): void {
  const code = (err as { code?: unknown } | undefined)?.code;
  const message = `PostgreSQL error of type '${(err as Error | undefined)?.name ?? 'Error'}' (code: ${typeof code === 'string' ? code : 'unknown'})`;
  span.recordException(message);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

function endQuerySpan(span: Span, err: unknown): void {
  if (err) failed(span, err);
  span.end();
}

function endFailedQuerySpan(span: Span, err: unknown): void {
  endQuerySpan(span, err ?? new Error('query failed'));
}

/** The caller's callback, run after the query's span has ended. */
function endingBefore(span: Span, cb: Callback): Callback {
  return function (this: unknown, err: unknown, ...rest: unknown[]) {
    endQuerySpan(span, err);
    return cb.call(this, err, ...rest);
  };
}

/**
 * Patches pg's Client.prototype.query (platform-db passes pg.Client when tracing runs): every client of
 * that module, pooled or not, then traces its queries inside a recording span. Submittable queries
 * (cursors, streams) are passed through untraced. Patching twice is a no-op.
 */
export function tracePgQueries(Client: { prototype: object }): void {
  const proto = Client.prototype as Record<symbol, unknown> & { query: QueryFn };
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  const original = proto.query;
  proto.query = function query(this: PgClient, config: unknown, values?: unknown, callback?: unknown): unknown {
    const parent = trace.getActiveSpan();
    if (parent === undefined || !parent.isRecording()) return original.call(this, config, values, callback);
    const cfg = (typeof config === 'object' && config !== null ? config : {}) as {
      text?: unknown;
      submit?: unknown;
      callback?: unknown;
    };
    const text = typeof config === 'string' ? config : cfg.text;
    if (typeof text !== 'string' || typeof cfg.submit === 'function')
      return original.call(this, config, values, callback);
    const operation = operationOf(text);
    // BEGIN opens the transaction and does no work: its span would be a round trip of nothing, and on a
    // request's path (a user-scoped read is `begin; select set_config(...)` in one text, the query, COMMIT)
    // the commonest one. The statements after it and the COMMIT (where the WAL flush waits) keep theirs.
    if (operation === 'BEGIN') return original.call(this, config, values, callback);
    const params = this.connectionParameters;
    const span = tracer.startSpan(
      this.database ? `pg.query:${operation} ${this.database}` : `pg.query:${operation}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql',
          'db.namespace': this.database,
          'db.operation.name': operation,
          'db.query.text': text,
          'server.address': params?.host,
          'server.port': params?.port,
        },
      },
      context.active(),
    );
    // Callback style (pg-pool's own pool.query): end the span before the caller's callback runs.
    if (typeof values === 'function') values = endingBefore(span, values as Callback);
    else if (typeof callback === 'function') callback = endingBefore(span, callback as Callback);
    else if (typeof cfg.callback === 'function')
      config = { ...cfg, callback: endingBefore(span, cfg.callback as Callback) };
    let result: unknown;
    try {
      result = original.call(this, config, values, callback);
    } catch (err) {
      endQuerySpan(span, err);
      throw err;
    }
    // Promise style: a branch of its own that ends the span; the caller's promise is returned untouched.
    // Bound functions, not closures: this runs for every traced query.
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(
        endQuerySpan.bind(undefined, span, undefined),
        endFailedQuerySpan.bind(undefined, span),
      );
    }
    return result;
  };
}
