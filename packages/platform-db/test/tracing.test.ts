import { createTestDatabase } from '@marquee/platform-testing';
import { tracePgQueries } from '@marquee/platform-tracing';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/index';

// The SDK pieces a traced service registers (platform-tracing's preload), in this process so the spans can be
// read back from memory; platform-db patches pg with platform-tracing's pg.ts when tracing runs, done here
// by hand (the preload did not run).
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracer = () => trace.getTracer('test');

let dbInfo: Awaited<ReturnType<typeof createTestDatabase>>;
let database: Database;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  tracePgQueries(pg.Client);
  dbInfo = await createTestDatabase('db-tracing');
  database = openDatabase(dbInfo.url, { max: 2 });
  await database.pool.query('create table secrets (id int primary key, value text not null)');
});
afterAll(async () => {
  await database?.close();
  await dbInfo?.drop();
  trace.disable();
  context.disable();
});

/** Runs fn inside a recording span and returns that span's id with the spans ended under it. */
async function inSpan(
  fn: () => Promise<unknown>,
): Promise<{ parent: string; children: ReturnType<typeof exporter.getFinishedSpans> }> {
  exporter.reset();
  const parent = await tracer().startActiveSpan('request', async (span) => {
    try {
      await fn().catch(() => {});
    } finally {
      span.end();
    }
    return span.spanContext().spanId;
  });
  return { parent, children: exporter.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === parent) };
}

describe('pg query spans', () => {
  it('When queries run inside a span (pool callback, drizzle promise), then each is a CLIENT child span with its SQL and no values', async () => {
    const { children } = await inSpan(async () => {
      await database.pool.query('insert into secrets (id, value) values ($1, $2)', [1, 'hunter2']);
      await database.db.execute(sql`select value from secrets where id = ${1}`);
    });
    expect(children.map((s) => s.name)).toEqual([`pg.query:INSERT ${dbInfo.name}`, `pg.query:SELECT ${dbInfo.name}`]);
    for (const s of children) {
      expect(s.kind).toBe(SpanKind.CLIENT);
      expect(s.attributes['db.system.name']).toBe('postgresql');
      expect(s.attributes['db.namespace']).toBe(dbInfo.name);
    }
    expect(children[0]?.attributes['db.query.text']).toBe('insert into secrets (id, value) values ($1, $2)');
    expect(children[1]?.attributes['db.operation.name']).toBe('SELECT');
    expect(JSON.stringify(children.map((s) => s.attributes))).not.toContain('hunter2');
  });

  it('When a transaction runs inside a span (a checked-out client, promise style), then its statements and its COMMIT are child spans too, and its BEGIN (no work) is not', async () => {
    const { children } = await inSpan(() =>
      database.db.transaction((tx) => tx.execute(sql`select count(*) from secrets`)),
    );
    expect(children.map((s) => s.attributes['db.operation.name'])).toEqual(['SELECT', 'COMMIT']);
  });

  it('When a query fails inside a span, then its span is an error naming the SQLSTATE, not the message or the values', async () => {
    const { children } = await inSpan(() =>
      database.pool.query('insert into secrets (id, value) values ($1, $2)', [1, 'again']),
    );
    expect(children).toHaveLength(1);
    const [span] = children;
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.status.message).toContain('23505');
    expect(JSON.stringify(span?.events)).not.toContain('again');
    expect(JSON.stringify(span?.events)).not.toContain('duplicate key');
  });

  it('When a query runs outside any span, then no span is made', async () => {
    exporter.reset();
    await database.pool.query('select 1');
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
