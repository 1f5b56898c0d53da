import { createLogger } from '@marquee/platform-logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerUnavailableOn, type HttpApp, Type, conflict, createHttpApp } from '../src/index';

let app: HttpApp;
let dbUp = true;

beforeAll(async () => {
  app = await createHttpApp({
    service: 'demo',
    logger: createLogger('demo', 'silent'),
    bodyLimitBytes: 1024,
    readiness: {
      db: async () => {
        if (!dbUp) throw new Error('connection refused');
      },
    },
  });
  app.post(
    '/things',
    {
      schema: {
        body: Type.Object({ name: Type.String({ minLength: 2 }), size: Type.Integer({ minimum: 1 }) }),
        response: { 200: Type.Object({ ok: Type.Boolean(), size: Type.Integer() }) },
      },
    },
    async (req) => {
      if (req.body.name === 'taken') throw conflict('THING.ALREADY_EXISTS', 'name is taken');
      return { ok: true, size: req.body.size };
    },
  );
  app.post(
    '/strict',
    { schema: { body: Type.Object({ name: Type.String() }, { additionalProperties: false }) } },
    async () => ({ ok: true }),
  );
  app.get(
    '/items/:id',
    {
      schema: {
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ maximum: 100 })),
          q: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => ({ id: req.params.id, q: req.query.q ?? null }),
  );
  app.get('/boom', async () => {
    throw new Error('secret internals');
  });
  // As a lost database connection reaches a handler: drizzle's wrapper with the driver's error as its cause.
  app.get('/store-down', async () => {
    throw Object.assign(new Error('Failed query: select secret'), {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    });
  });
  answerUnavailableOn(app, 'database', (err) => (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED');
  await app.ready();
});
afterAll(() => app.close());

describe('HTTP bootstrap', () => {
  it('When the body breaks the schema, then 400 names each field and reason', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: { name: 'x', size: 0 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('VALIDATION.FAILED');
    expect(body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['body.name', 'body.size']);
  });

  it('When a required field is missing, then the field is named', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: { name: 'abc' } });
    expect(res.json().error.details[0].field).toBe('body.size');
  });

  it('When the body has a property the schema does not accept, then 400 names that property', async () => {
    const res = await app.inject({ method: 'POST', url: '/strict', payload: { name: 'a', isAdmin: true } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ field: 'body.isAdmin', reason: 'is not an accepted property' }]);
  });

  it.each([
    ['/items/1e309', 'params.id'],
    ['/items/Infinity', 'params.id'],
    ['/items/-1e309', 'params.id'],
    ['/items/1?limit=1e309', 'querystring.limit'],
    ['/items/1?limit=-1e309', 'querystring.limit'],
    ['/items/1?limit=-Infinity', 'querystring.limit'],
  ])(
    'When an integer is given as %s, then 400 names %s instead of passing an infinite number on',
    async (url, field) => {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.map((d: { field: string }) => d.field)).toEqual([field]);
    },
  );

  it.each([
    ['/items/1?q=a%00b', 'querystring.q', 'must not contain control characters'],
    ['/items/9999999999999999999999', 'params.id', 'is out of range'],
  ])('When %s is sent, then 400 names %s: %s', async (url, field, reason) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ field, reason }]);
  });

  it.each([
    ['{"name": "ab\\ud800", "size": 2}', 'body.name'],
    ['{"name": "abc", "size": 1e309}', 'body.size'],
  ])('When the JSON body is %s, then 400 names %s', async (payload, field) => {
    const res = await app.inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toEqual([field]);
  });

  it('When a string field holds the text Infinity, then it stays text', async () => {
    const res = await app.inject({ method: 'GET', url: '/items/2?q=Infinity' });
    expect(res.json()).toEqual({ id: 2, q: 'Infinity' });
  });

  it('When JSON is malformed, then 400 REQUEST.MALFORMED_JSON', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('REQUEST.MALFORMED_JSON');
  });

  it('When the body is over the limit, then 413', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a'.repeat(5000), size: 1 } });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('REQUEST.TOO_LARGE');
  });

  it('When a handler throws an AppError, then its status and code are kept', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: { name: 'taken', size: 1 } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: { code: 'THING.ALREADY_EXISTS', message: 'name is taken' } });
  });

  it('When a handler fails unexpectedly, then 500 hides internals', async () => {
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret');
  });

  it('When a handler fails on a dependency marked unavailable, then 503 SERVICE.UNAVAILABLE with Retry-After; other failures stay 500', async () => {
    const res = await app.inject({ method: 'GET', url: '/store-down' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.json().error).toMatchObject({ code: 'SERVICE.UNAVAILABLE', details: { dependency: 'database' } });
    expect(res.body).not.toContain('secret');
    expect((await app.inject({ method: 'GET', url: '/boom' })).statusCode).toBe(500);
  });

  it('When a route does not exist, then 404 in the same shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('ROUTE.NOT_FOUND');
  });

  it('When a request id is sent, then it is echoed; otherwise one is made', async () => {
    const a = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'req-42' } });
    expect(a.headers['x-request-id']).toBe('req-42');
    expect(a.headers['x-correlation-id']).toBe('req-42');
    const b = await app.inject({ method: 'GET', url: '/health/live' });
    expect(String(b.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('When a dependency fails, then /health/ready is 503 and names it', async () => {
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    dbUp = false;
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    dbUp = true;
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.db).toContain('connection refused');
  });

  it('When /metrics and /openapi.json are read, then they describe the app', async () => {
    await app.inject({ method: 'POST', url: '/things', payload: { name: 'abc', size: 2 } });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('route="/things"');
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/things');
    expect(doc.paths['/items/{id}'].get).toMatchObject({ operationId: 'getItemsById', security: [] });
    // The app answers a database outage with 503 (answerUnavailableOn): routes that document their answers say so.
    expect(doc.paths['/things'].post.responses['503']).toBeDefined();
    expect(Object.keys(doc.paths['/boom'].get.responses)).toEqual(['200']);
  });
});
