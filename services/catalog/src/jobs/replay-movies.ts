import type { Database } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
import { republishMovies } from '../db/movie-writes';

/** Records movie.upserted for every movie, in id order, one transaction per batch (keyset over id). */
export async function replayMovies(
  database: Database,
  batchSize: number,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const total = Number(
    ((await database.db.execute(sql`select count(*)::int as n from movies`)).rows[0] as { n: number }).n,
  );
  let after = 0;
  let done = 0;
  for (;;) {
    const ids = (
      (await database.db.execute(sql`select id from movies where id > ${after} order by id limit ${batchSize}`))
        .rows as { id: number }[]
    ).map((r) => r.id);
    if (ids.length === 0) break;
    done += await database.db.transaction((tx) => republishMovies(tx, ids, { touch: false, batch: batchSize }));
    after = ids[ids.length - 1] as number;
    onProgress?.(done, total);
  }
  return done;
}
