import { randomUUID } from 'node:crypto';
import { publishJson, Subjects } from '@marquee/platform-bus';
import { eventually } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aUser, anotherUser, type RunningGateway, startGateway, startTestIssuer, type TestIssuer } from './helpers';

/** Opens a stream and collects its text until the server ends it. */
async function openStream(gateway: RunningGateway, token: string) {
  const ac = new AbortController();
  const res = await fetch(`${gateway.url}/api/v1/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal: ac.signal,
  });
  const state = { status: res.status, text: '', ended: false, abort: () => ac.abort() };
  if (res.status !== 200) {
    state.text = await res.text();
    state.ended = true;
    return state;
  }
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      state.text += decoder.decode(value, { stream: true });
    }
    state.ended = true;
  })();
  await eventually(() => state.text.includes(': connected'), { what: 'stream connected' });
  return state;
}

describe('how long a live stream lives', () => {
  let issuer: TestIssuer;
  let gateway: RunningGateway;
  const prefix = `sl${randomUUID().slice(0, 8)}.`;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    gateway = await startGateway({
      AUTH_JWKS_URL: issuer.jwksUrl,
      SSE_HEARTBEAT_MS: '5000',
      SSE_MAX_STREAMS_PER_USER: '2',
      NATS_SUBJECT_PREFIX: prefix,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await issuer?.close();
  });

  it('when the access token expires, then the stream ends with stream.closed token_expired', async () => {
    const token = await issuer.sign({ sub: aUser, role: 'user' }, { expiresInSeconds: 2 });
    const stream = await openStream(gateway, token);
    await eventually(() => stream.ended, { what: 'stream ended at expiry', timeoutMs: 5000 });
    expect(stream.text).toContain('event: stream.closed\ndata: {"type":"stream.closed","reason":"token_expired"}');
  });

  it('when auth revokes one session, then only the streams of that session end', async () => {
    const [s1, s2] = [randomUUID(), randomUUID()];
    const revoked = await openStream(
      gateway,
      await issuer.sign({ sub: anotherUser, role: 'user' }, { claims: { sid: s1 } }),
    );
    const kept = await openStream(
      gateway,
      await issuer.sign({ sub: anotherUser, role: 'user' }, { claims: { sid: s2 } }),
    );
    publishJson(gateway.deps.nats, `${prefix}${Subjects.sessionsRevoked}`, { userId: anotherUser, sessionId: s1 });
    await eventually(() => revoked.ended, { what: 'revoked stream ended' });
    expect(revoked.text).toContain('"reason":"session_revoked"');
    await new Promise((r) => setTimeout(r, 300));
    expect(kept.ended).toBe(false);
    publishJson(gateway.deps.nats, `${prefix}${Subjects.sessionsRevoked}`, { userId: anotherUser });
    await eventually(() => kept.ended, { what: 'every stream of the user ended' });
  });

  it('when a user opens more streams than allowed, then the extra one gets 429 and closing one frees a place', async () => {
    const user = randomUUID();
    const token = await issuer.sign({ sub: user, role: 'user' });
    const first = await openStream(gateway, token);
    await openStream(gateway, token);
    const third = await openStream(gateway, token);
    expect(third.status).toBe(429);
    expect(JSON.parse(third.text).error.code).toBe('STREAM.TOO_MANY');
    first.abort();
    await eventually(async () => (await openStream(gateway, token)).status === 200, { what: 'a place freed' });
  });
});
