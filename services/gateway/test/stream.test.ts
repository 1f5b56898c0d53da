import { publishJson, Subjects } from '@marquee/platform-bus';
import { eventually } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aUser,
  anotherUser,
  type RunningGateway,
  startGateway,
  startTestIssuer,
  type TestIssuer,
  jsonOf,
} from './helpers';

/** Reads an SSE response body as text chunks, accumulating into `text`. */
function reader(res: Response) {
  const decoder = new TextDecoder();
  const r = (res.body as ReadableStream<Uint8Array>).getReader();
  const state = { text: '' };
  void (async () => {
    for (;;) {
      const { value, done } = await r.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      state.text += decoder.decode(value, { stream: true });
    }
  })();
  return state;
}

/** True when something listens on the subject: a request then times out instead of "no responders". */
async function hasListener(gateway: RunningGateway, subject: string): Promise<boolean> {
  try {
    await gateway.deps.nats.request(subject, new Uint8Array(), { timeout: 200 });
    return true;
  } catch (err) {
    return (err as { code?: string }).code !== '503';
  }
}

describe('GET /api/v1/stream (SSE over NATS live.user.<id>)', () => {
  let issuer: TestIssuer;
  let gateway: RunningGateway;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    gateway = await startGateway({ AUTH_JWKS_URL: issuer.jwksUrl, SSE_HEARTBEAT_MS: '300' });
  });
  afterAll(async () => {
    await gateway?.close();
    await issuer?.close();
  });

  it("When a service publishes on the user's live subject, then that user's stream receives it as an SSE event", async () => {
    const ac = new AbortController();
    const token = await issuer.sign({ sub: aUser, role: 'user' });
    const res = await fetch(`${gateway.url}/api/v1/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const stream = reader(res);
    await eventually(() => stream.text.includes(': connected'), { what: 'stream connected' });

    publishJson(gateway.deps.nats, Subjects.liveUser(anotherUser), { type: 'recommendations.updated', count: 99 });
    publishJson(gateway.deps.nats, Subjects.liveUser(aUser), { type: 'recommendations.updated', count: 3 });
    await eventually(() => stream.text.includes('event: recommendations.updated'), { what: 'SSE event' });
    expect(stream.text).toContain('data: {"type":"recommendations.updated","count":3}\n\n');
    expect(stream.text).not.toContain('"count":99');

    await eventually(() => stream.text.includes(': heartbeat'), { what: 'heartbeat', timeoutMs: 3000 });
    expect(await hasListener(gateway, Subjects.liveUser(aUser))).toBe(true);
    ac.abort();
    await eventually(async () => !(await hasListener(gateway, Subjects.liveUser(aUser))), {
      what: 'NATS subscription removed after disconnect',
    });
  });

  it('When no valid token is sent, then 401 and no stream opens', async () => {
    const res = await fetch(`${gateway.url}/api/v1/stream`);
    expect(res.status).toBe(401);
    expect((await jsonOf(res)).error.code).toBe('AUTH.REQUIRED');
  });
});
