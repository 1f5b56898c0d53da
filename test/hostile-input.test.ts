/**
 * Sends hostile values (non-finite and huge numbers, NUL and control bytes, broken UTF-8, huge strings,
 * wrong types) to every parameter and body property of every operation in each service's own OpenAPI
 * document, with an admin's token so requests get past authentication, and finds no 5xx. Services are
 * listed in hostile-input/targets.ts, one line each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../packages/platform-auth/src/index';
import { hostileRequests, type OpenApiDocument } from './hostile-input/requests';
import { type HostileTarget, targets } from './hostile-input/targets';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(() => issuer?.close());

// Requests that end a session or an account run last, so the token stays good for the rest.
const destructive = (method: string, path: string) => method === 'delete' || /logout|password/.test(path);

describe.each(Object.keys(targets))('hostile input to %s', (name) => {
  let target: HostileTarget;
  beforeAll(async () => {
    target = await (targets[name] as (i: TestIssuer) => Promise<HostileTarget>)(issuer);
  }, 180_000);
  afterAll(() => target?.close());

  it('When every operation of its OpenAPI document gets hostile values, then none answers 5xx', {
    timeout: 600_000,
  }, async () => {
    const doc = (await target.app.inject({ method: 'GET', url: '/openapi.json' })).json() as OpenApiDocument;
    const operations = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })))
      .sort((a, b) => Number(destructive(a.method, a.path)) - Number(destructive(b.method, b.path)));
    expect(operations.length).toBeGreaterThan(0);
    const failures: string[] = [];
    let sent = 0;
    for (const { path, method, op } of operations) {
      for (const r of hostileRequests(path, method, op)) {
        const res = await target.app.inject({
          method: r.method as 'GET',
          url: r.url,
          headers: {
            authorization: `Bearer ${target.bearer}`,
            ...(r.payload !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(r.payload !== undefined ? { payload: r.payload } : {}),
        });
        sent += 1;
        if (res.statusCode >= 500)
          failures.push(`${r.method} ${path} ${r.what} → ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
    }
    process.stderr.write(`hostile input to ${name}: ${sent} requests over ${operations.length} operations\n`);
    expect(failures).toEqual([]);
  });
});
