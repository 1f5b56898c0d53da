import { createServer } from 'node:net';
import path from 'node:path';
import { dropDatabase, eventually, repoRoot, runTs, serviceTestEnv, type TsProcess } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUserId, startTestInteraction, type TestInteraction } from './fixtures/interaction-env';

let catalog: TsProcess;
let catalogEnv: Record<string, string>;
let catalogUrl: string;
let svc: TestInteraction;

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  const port = await freePort();
  catalogUrl = `http://127.0.0.1:${port}`;
  svc = await startTestInteraction('interaction-fallback', { CATALOG_URL: catalogUrl });
  // The real catalog, on its own topic prefix: its movie.upserted never reaches this interaction service,
  // so the only way to learn of a movie is the HTTP fallback.
  catalogEnv = {
    ...serviceTestEnv('catalog-for-interaction'),
    PORT: String(port),
    CATALOG_IMPORT_ON_EMPTY: 'false',
    AUTH_JWKS_URL: svc.issuer.jwksUrl,
  };
  catalog = runTs(path.join(repoRoot, 'services/catalog/src/main.ts'), catalogEnv);
  await eventually(async () => (await fetch(`${catalogUrl}/health/ready`)).ok, {
    what: `catalog ready (${catalog.err().slice(-500)})`,
    timeoutMs: 90_000,
    intervalMs: 250,
  });
}, 120_000);
afterAll(async () => {
  catalog?.child.kill('SIGTERM');
  await catalog?.exited;
  await svc?.stop();
  if (catalogEnv) await dropDatabase(catalogEnv.DATABASE_URL as string);
});

async function createMovie(title: string): Promise<number> {
  const res = await fetch(`${catalogUrl}/v1/movies`, {
    method: 'POST',
    headers: { ...(await svc.as(newUserId(), 'admin')), 'content-type': 'application/json' },
    body: JSON.stringify({ title }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

describe('movies must exist', () => {
  it('When a movie exists in the catalog but is not projected yet, then the catalog is asked and the write succeeds', async () => {
    const movieId = await createMovie('Fallback Feature');
    const res = await svc.app.inject({
      method: 'PUT',
      url: `/v1/me/interactions/${movieId}/watchlist`,
      headers: await svc.as(newUserId()),
    });
    expect(res.statusCode).toBe(201);
  });

  it('When the movie is unknown to the catalog too, then 404 MOVIE.NOT_FOUND and nothing is written', async () => {
    const res = await svc.app.inject({
      method: 'PUT',
      url: '/v1/me/interactions/987654/like',
      headers: await svc.as(newUserId()),
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('MOVIE.NOT_FOUND');
  });

  it('When an import names an unknown movie, then that row is rejected by index and the known one kept', async () => {
    const movieId = await createMovie('Imported Feature');
    const user = newUserId();
    const res = await svc.app.inject({
      method: 'POST',
      url: '/v1/admin/interactions/import',
      headers: await svc.as(newUserId(), 'admin'),
      payload: {
        items: [
          { userId: user, movieId: 987655, type: 'view', at: '2005-01-01T00:00:00Z' },
          { userId: user, movieId, type: 'view', at: '2005-01-01T00:00:00Z' },
        ],
      },
    });
    expect(res.json()).toMatchObject({
      recorded: 1,
      rejected: [{ index: 0, field: 'items.0.movieId', reason: 'movie does not exist' }],
    });
  });
});
