/**
 * NATS carries the catalog's cache invalidations. When it goes away, the catalog keeps serving and writing
 * (invalidations are signals, dropped or buffered, never thrown), reports NATS as failing, and is ready
 * again once NATS is back. The NATS here is this file's own: the run's shared one stays up.
 */
import { randomUUID } from 'node:crypto';
import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { eventually, type OwnNats } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CatalogUnderTest, startIsolatedCatalog } from './helper';

let issuer: TestIssuer;
let nats: OwnNats;
let catalog: CatalogUnderTest;
let admin: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  issuer = await startTestIssuer();
  ({ catalog, nats } = await startIsolatedCatalog({ jwksUrl: issuer.jwksUrl, label: 'catalog-nats', movies: 5 }));
  admin = await issuer.sign({ sub: randomUUID(), role: 'admin' });
}, 180_000);

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await catalog?.close();
  await nats?.remove();
  await issuer?.close();
});

const ready = async () => (await catalog.app.inject({ url: '/health/ready' })).json() as { checks: { nats: string } };

describe('catalog across a NATS restart', () => {
  it('When NATS dies and comes back, then the catalog serves and writes throughout and is ready again', {
    timeout: 120_000,
  }, async () => {
    expect((await ready()).checks.nats).toBe('ok');
    await nats.kill();
    await eventually(async () => (await ready()).checks.nats !== 'ok', { what: 'NATS reported failing' });

    expect((await catalog.app.inject({ url: '/v1/movies/1' })).statusCode).toBe(200);
    const patched = await catalog.app.inject({
      method: 'PATCH',
      url: '/v1/movies/1',
      headers: { authorization: `Bearer ${admin}` },
      payload: { tagline: 'written while NATS was down' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    // Counter updates coalesce invalidations on a timer: let one fire while NATS is away.
    catalog.ctx.cache.invalidateSoon(['movie:1']);
    await new Promise((r) => setTimeout(r, 600));
    expect((await catalog.app.inject({ url: '/v1/movies/1' })).json().tagline).toBe('written while NATS was down');

    await nats.start();
    await eventually(async () => (await ready()).checks.nats === 'ok', { what: 'NATS ready again', timeoutMs: 30_000 });
    expect((await catalog.app.inject({ url: '/v1/movies?limit=5' })).statusCode).toBe(200);
    expect(unhandled).toEqual([]);
  });
});
