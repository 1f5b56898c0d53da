import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase, dropDatabase, uniqueName } from './db';
import { createLogger } from '@marquee/platform-logging';
import { sql } from 'drizzle-orm';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@marquee/platform-db';
import { DatasetDownloadError } from '../src/jobs/download-movielens';
import { runImport } from '../src/jobs/run-import';
import { sharedDatasets } from './helper';

const FILES = ['links.csv', 'movies.csv', 'ratings.csv', 'tags.csv', 'README.txt'];
let server: http.Server;
let base: string;
const zips = new Map<string, Uint8Array>();
let database: Database;
let dbUrl: string;

async function movielensZip(tamper?: (name: string, data: Uint8Array) => Uint8Array): Promise<Uint8Array> {
  const entries: Record<string, Uint8Array> = {};
  for (const f of FILES) {
    const data = new Uint8Array(await readFile(path.join(sharedDatasets, 'movielens-small', f)));
    entries[`ml-latest-small/${f}`] = tamper ? tamper(f, data) : data;
  }
  return zipSync(entries, { level: 1 });
}

beforeAll(async () => {
  zips.set('/good.zip', await movielensZip());
  zips.set(
    '/tampered.zip',
    await movielensZip((name, data) => (name === 'movies.csv' ? new Uint8Array([...data.slice(0, -2), 0x0a]) : data)),
  );
  zips.set('/not-a.zip', new TextEncoder().encode('<html>moved</html>'));
  server = http.createServer((req, res) => {
    const body = zips.get(req.url ?? '');
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/zip' }).end(Buffer.from(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ database, url: dbUrl } = await createDatabase('catalog-download'));
});

afterAll(async () => {
  server?.close();
  await database?.close();
  if (dbUrl) await dropDatabase(dbUrl);
});

const logger = createLogger('catalog-test', 'warn');
const settings = (url: string, downloadDir: string, zipSha256 = '') => ({
  MARQUEE_DATA_DIR: path.join(tmpdir(), uniqueName('nothing-here')),
  CATALOG_IMPORT_BATCH_SIZE: 2000,
  MOVIELENS_URL: url,
  MOVIELENS_ZIP_SHA256: zipSha256,
  CATALOG_DOWNLOAD_DIR: downloadDir,
});
const movieCount = async () =>
  ((await database.db.execute(sql`select count(*)::int as n from movies`)).rows[0] as { n: number }).n;

describe('download when no data directory exists', () => {
  it.each([
    ['/tampered.zip', '', /movies\.csv .* has sha256/],
    ['/good.zip', 'a'.repeat(64), /sha256 of .* expected a{64}/],
    ['/not-a.zip', '', /not a readable zip/],
    ['/missing.zip', '', /answered 404/],
  ])('When %s is served (zip sha256 %j), then the import fails before writing anything', async (file, sha, message) => {
    const dir = path.join(tmpdir(), uniqueName('download'));
    const err = await runImport(database, settings(`${base}${file}`, dir, sha), logger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetDownloadError);
    expect(String((err as Error).message)).toMatch(message);
    expect(existsSync(path.join(dir, 'movielens-small'))).toBe(false);
    expect(await movieCount()).toBe(0);
  });

  it('When nothing answers at the download address, then the failure says where the data was looked for and why the download failed', async () => {
    const dir = path.join(tmpdir(), uniqueName('download'));
    const config = settings('http://127.0.0.2:10/ml-latest-small.zip', dir);
    const err = await runImport(database, config, logger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetDownloadError);
    expect((err as Error).message).toBe(
      `no MovieLens data in ${config.MARQUEE_DATA_DIR} (MARQUEE_DATA_DIR) or ${dir}, and could not download ` +
        'http://127.0.0.2:10/ml-latest-small.zip: fetch failed (connect ECONNREFUSED 127.0.0.2:10)',
    );
    expect(await movieCount()).toBe(0);
  });

  it('When GroupLens serves the genuine zip, then it is verified, unpacked and imported with MovieLens titles, years and mapped genres', async () => {
    const dir = path.join(tmpdir(), uniqueName('download'));
    const summary = await runImport(database, settings(`${base}/good.zip`, dir), logger);
    expect(summary).toMatchObject({ dataDir: dir, movies: 9742, inserted: 9742, genresInserted: 19 });
    expect(existsSync(path.join(dir, 'movielens-small/ratings.csv'))).toBe(true);
    const { rows } = await database.db.execute(sql`
      select m.title, m.release_year as year, m.tmdb_id as "tmdbId", m.omdb_id as "omdbId", array(select g.name from movie_genres mg join genres g on g.id = mg.genre_id where mg.movie_id = m.id order by g.name) as genres
      from movies m where m.id in (1, 1240) order by m.id`);
    expect(rows).toEqual([
      {
        title: 'Toy Story',
        year: 1995,
        tmdbId: 862,
        omdbId: 'tt0114709',
        genres: ['Adventure', 'Animation', 'Comedy', 'Family', 'Fantasy'],
      },
      {
        title: 'The Terminator',
        year: 1984,
        tmdbId: 218,
        omdbId: 'tt0088247',
        genres: ['Action', 'Science Fiction', 'Thriller'],
      },
    ]);
    // A second start finds the earlier download and does not fetch again.
    const again = await runImport(database, settings(`${base}/missing.zip`, dir), logger);
    expect(again).toMatchObject({ inserted: 0, unchanged: 9742 });
  });
});

describe('data files edited by hand', () => {
  async function dataDir(movies: (text: string) => string): Promise<string> {
    const dir = path.join(tmpdir(), uniqueName('hand-edited'));
    await mkdir(path.join(dir, 'movielens-small'), { recursive: true });
    const ml = path.join(sharedDatasets, 'movielens-small');
    await writeFile(
      path.join(dir, 'movielens-small/movies.csv'),
      movies(await readFile(path.join(ml, 'movies.csv'), 'utf8')),
    );
    await copyFile(path.join(ml, 'links.csv'), path.join(dir, 'movielens-small/links.csv'));
    return dir;
  }

  it('When movies.csv was saved with a byte-order mark and CRLF line ends, then it imports as the same movies', async () => {
    const dir = await dataDir((text) => `\uFEFF${text.replaceAll('\n', '\r\n')}`);
    const summary = await runImport(database, { ...settings('', dir), MARQUEE_DATA_DIR: dir }, logger);
    expect(summary).toMatchObject({ dataDir: dir, movies: 9742 });
    expect(summary.inserted + summary.updated + summary.unchanged).toBe(9742);
    const { rows } = await database.db.execute(
      sql`select title, release_year as year from movies where movielens_id in (1, 193609) order by movielens_id`,
    );
    expect(rows).toEqual([
      { title: 'Toy Story', year: 1995 },
      { title: 'Andrew Dice Clay: Dice Rules', year: 1991 },
    ]);
  });

  it('When movies.csv has a quote never closed, then the import fails naming the file and writes nothing', async () => {
    // The last row: a parser that does not check would take the quote to the end of the file as one title.
    const dir = await dataDir((text) => text.replace('193609,Andrew Dice Clay', '193609,"Andrew Dice Clay'));
    const before = await movieCount();
    const err = await runImport(database, { ...settings('', dir), MARQUEE_DATA_DIR: dir }, logger).catch(
      (e: unknown) => e,
    );
    expect(String((err as Error).message)).toMatch(/movielens-small\/movies\.csv: Quote Not Closed/);
    expect(await movieCount()).toBe(before);
  });
});
