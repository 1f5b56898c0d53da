import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway, startTestIssuer, startUpstream, type TestIssuer, jsonOf } from './helpers';

describe('aggregated OpenAPI and docs UI', () => {
  let issuer: TestIssuer;
  let catalog: Awaited<ReturnType<typeof startUpstream>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    catalog = await startUpstream('catalog');
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    gateway = await startGateway({
      CATALOG_URL: catalog.url,
      AUTH_URL: `http://127.0.0.1:${deadPort}`,
      AUTH_JWKS_URL: issuer.jwksUrl,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await catalog?.close();
    await issuer?.close();
  });

  it("When /openapi.json is read, then it holds the gateway's routes and each service's public routes under /api/v1", async () => {
    const res = await fetch(`${gateway.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await jsonOf(res);
    expect(doc.openapi).toMatch(/^3\./);
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/movies/{id}',
        '/api/v1/search',
        '/api/v1/admin/movies',
        '/api/v1/stream',
        '/api/v1/me/export',
      ]),
    );
    // The upstream's /v1/echo is not a public route; health and internal routes never show.
    expect(paths.some((p) => p.includes('echo') || p.includes('health') || !p.startsWith('/api/v1/'))).toBe(false);
    expect(doc.paths['/api/v1/movies/{id}'].get.summary).toBe('One movie');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.info.description).toContain('This product uses the TMDB API but is not endorsed or certified by TMDB');
    expect(doc.info.description).toContain('MovieLens');
    // auth is configured but down: the document says so instead of silently lacking its routes.
    expect(doc.info.description).toContain('Not included right now** (document unavailable): auth');
  });

  it('When /docs is opened, then the Swagger UI serves the same aggregated document with the data notices', async () => {
    const page = await fetch(`${gateway.url}/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('swagger-ui');
    const json = await fetch(`${gateway.url}/docs/json`);
    expect(json.status).toBe(200);
    const doc = await jsonOf(json);
    expect(doc.paths['/api/v1/movies/{id}']).toBeDefined();
    expect(doc.info.description).toContain('not endorsed or certified by TMDB');
  });
});
