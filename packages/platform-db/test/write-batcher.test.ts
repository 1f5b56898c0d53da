import { createTestDatabase } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInputBatcher, createWriteBatcher, type Database, openDatabase } from '../src/index';

let dbInfo: Awaited<ReturnType<typeof createTestDatabase>>;
let database: Database;
let observer: pg.Client;

beforeAll(async () => {
  dbInfo = await createTestDatabase('write-batcher');
  database = openDatabase(dbInfo.url, { max: 6 });
  await database.pool.query("create table items (id int primary key, label text not null check (label <> ''))");
  // A separate session sees only committed rows.
  observer = new pg.Client({ connectionString: dbInfo.url });
  await observer.connect();
});
afterAll(async () => {
  await observer?.end();
  await database?.close();
  await dbInfo?.drop();
});

const committed = async (id: number) =>
  (await observer.query('select 1 from items where id = $1', [id])).rowCount === 1;
const insert =
  (id: number, label: string) => async (tx: Parameters<Parameters<Database['db']['transaction']>[0]>[0]) => {
    await tx.execute(sql`insert into items (id, label) values (${id}, ${label})`);
    return id;
  };

describe('write batcher', () => {
  it('When 60 requests arrive together, then they share a few transactions and each answers only after its row is committed', async () => {
    const batcher = createWriteBatcher(database, { windowMs: 5, maxBatch: 25, maxConcurrent: 2 });
    const seenCommitted = await Promise.all(
      Array.from({ length: 60 }, (_, i) => batcher.run(insert(i + 1, `item ${i}`)).then((id) => committed(id))),
    );
    expect(seenCommitted.every(Boolean)).toBe(true);
    expect(batcher.stats.requests).toBe(60);
    expect(batcher.stats.batches).toBeLessThanOrEqual(6);
    expect(batcher.stats.retriedSingly).toBe(0);
    await batcher.close();
  });

  it('When one request of a batch breaks a constraint, then only it fails and the others commit', async () => {
    const batcher = createWriteBatcher(database, { windowMs: 20, maxBatch: 100 });
    const outcomes = await Promise.allSettled([
      batcher.run(insert(101, 'a')),
      batcher.run(insert(102, '')),
      batcher.run(insert(103, 'c')),
      batcher.run(insert(101, 'duplicate')),
      batcher.run(insert(104, 'd')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(
      (outcomes[1] as PromiseRejectedResult).reason.cause?.code ?? (outcomes[1] as PromiseRejectedResult).reason.code,
    ).toBe('23514');
    expect(batcher.stats.batches).toBe(1);
    expect(batcher.stats.retriedSingly).toBe(1);
    const rows = await observer.query('select id, label from items where id between 101 and 104 order by id');
    expect(rows.rows).toEqual([
      { id: 101, label: 'a' },
      { id: 103, label: 'c' },
      { id: 104, label: 'd' },
    ]);
    await batcher.close();
  });

  it('When the batcher closes, then queued requests still commit and later ones are refused', async () => {
    const batcher = createWriteBatcher(database, { windowMs: 50 });
    const queued = batcher.run(insert(201, 'queued'));
    await batcher.close();
    await expect(queued).resolves.toBe(201);
    expect(await committed(201)).toBe(true);
    await expect(batcher.run(insert(202, 'late'))).rejects.toThrow('closed');
  });

  it('When requests come one at a time, then the window shrinks to none; when they come together again, it is back', async () => {
    const batcher = createWriteBatcher(database, { windowMs: 4 });
    for (let i = 0; i < 6; i += 1) {
      await batcher.run(insert(501 + i, 'alone'));
      await new Promise((r) => setTimeout(r, 5)); // a request only: the batch before it has finished
    }
    expect(batcher.stats.windowMs).toBe(0);
    expect(batcher.stats.batches).toBe(6);
    await Promise.all(Array.from({ length: 5 }, (_, i) => batcher.run(insert(511 + i, 'together'))));
    expect(batcher.stats.windowMs).toBe(4);
    expect(batcher.stats.batches).toBe(7);
    for (const id of [501, 506, 511, 515]) expect(await committed(id)).toBe(true);
    await batcher.close();
  });

  it('When more requests arrive than one batch holds, then up to maxConcurrent batches commit at once', async () => {
    let open = 0;
    let most = 0;
    const batcher = createWriteBatcher(database, { windowMs: 1, maxBatch: 2, maxConcurrent: 3 });
    const slow = (id: number) => async (tx: Parameters<Parameters<Database['db']['transaction']>[0]>[0]) => {
      open += 1;
      most = Math.max(most, open);
      await tx.execute(sql`select pg_sleep(0.05)`);
      await insert(id, 'slow')(tx);
      open -= 1;
      return id;
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => batcher.run(slow(601 + i))));
    // Requests of one batch run one after another in its transaction: three batches were open at once.
    expect(most).toBe(3);
    expect(batcher.stats.batches).toBe(6);
    await batcher.close();
  });

  // The test image runs with synchronous_commit off for speed; what matters is that batching never lowers it.
  it("When batching, then transactions keep the server's synchronous_commit (the batcher never turns it off)", async () => {
    const server = (await database.pool.query('show synchronous_commit')).rows[0];
    const batcher = createWriteBatcher(database);
    const setting = await batcher.run(async (tx) => (await tx.execute(sql`show synchronous_commit`)).rows[0]);
    expect(setting).toEqual(server);
    await batcher.close();
  });
});

describe('input batcher', () => {
  const insertAll = async (tx: Parameters<Parameters<Database['db']['transaction']>[0]>[0], ids: number[]) => {
    const rows = ids.map((id) => sql`(${id}, ${id < 0 ? '' : `n${id}`})`);
    await tx.execute(sql`insert into items (id, label) values ${sql.join(rows, sql`, `)}`);
    return ids.map((id) => id * 10);
  };

  it('When inputs arrive together, then one apply call writes them all and each gets its own output after commit', async () => {
    let calls = 0;
    const batcher = createInputBatcher<number, number>(
      database,
      (tx, ids) => {
        calls += 1;
        return insertAll(tx, ids);
      },
      { windowMs: 10 },
    );
    const outputs = await Promise.all([301, 302, 303].map((id) => batcher.write(id)));
    expect(outputs).toEqual([3010, 3020, 3030]);
    expect(calls).toBe(1);
    expect(await committed(303)).toBe(true);
    await batcher.close();
  });

  it('When one input breaks the shared statement, then the others are applied alone and only it fails', async () => {
    const batcher = createInputBatcher<number, number>(database, insertAll, { windowMs: 10 });
    const outcomes = await Promise.allSettled([401, -402, 403].map((id) => batcher.write(id)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batcher.stats.retriedSingly).toBe(1);
    expect(await committed(401)).toBe(true);
    expect(await committed(403)).toBe(true);
    await batcher.close();
  });
});
