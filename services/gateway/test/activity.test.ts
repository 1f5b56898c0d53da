import { type ActivityLogged, type Envelope, parseEvent, Topics } from '@marquee/contracts';
import { physicalTopic } from '@marquee/platform-events';
import { eventually, uniqueName } from '@marquee/platform-testing';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aUser, type RunningGateway, startGateway, startTestIssuer, startUpstream, type TestIssuer } from './helpers';

type Activity = Envelope<(typeof ActivityLogged)['schema']['static']>;

describe('activity.logged from the gateway to Kafka', () => {
  let issuer: TestIssuer;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gateway: RunningGateway;
  let consumer: Consumer;
  const received: { key: string | undefined; event: Activity }[] = [];

  beforeAll(async () => {
    issuer = await startTestIssuer();
    upstream = await startUpstream('catalog');
    gateway = await startGateway({ CATALOG_URL: upstream.url, AUTH_JWKS_URL: issuer.jwksUrl });
    const kafka = new Kafka({
      clientId: 'activity-test',
      brokers: gateway.config.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
    consumer = kafka.consumer({ groupId: uniqueName('activity'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({
      topic: physicalTopic({ topicPrefix: gateway.config.KAFKA_TOPIC_PREFIX }, Topics.activity),
      fromBeginning: true,
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const { envelope } = parseEvent(message.value as Buffer);
        received.push({ key: message.key?.toString(), event: envelope as Activity });
      },
    });
  });
  afterAll(async () => {
    await consumer?.disconnect();
    await gateway?.close();
    await upstream?.close();
    await issuer?.close();
  });

  it('When an anonymous visitor with a session id searches, then a movie_search event with a truncated IP reaches Kafka', async () => {
    const res = await fetch(`${gateway.url}/api/v1/search?q=blade%20runner`, {
      headers: {
        'x-session-id': 'sess-anon-1',
        'user-agent': 'vitest-agent',
        referer: 'https://app.example.com/',
        'x-correlation-id': 'corr-search-1',
      },
    });
    expect(res.status).toBe(200);
    const { key, event } = await eventually(() => received.find((r) => r.event.data.sessionId === 'sess-anon-1'), {
      what: 'search activity in Kafka',
    });
    expect(key).toBe('sess-anon-1');
    expect(event.type).toBe('activity.logged');
    expect(event.source).toBe('gateway');
    expect(event.correlationId).toBe('corr-search-1');
    expect(event.data).toMatchObject({
      userId: null,
      actionType: 'movie_search',
      movieId: null,
      ipPrefix: '127.0.0.0/24',
      userAgent: 'vitest-agent',
      referer: 'https://app.example.com/',
      metadata: { query: 'blade runner' },
    });
    expect(JSON.stringify(event)).not.toContain('127.0.0.1');
  });

  it('When a visitor without a session views a movie, then a cookie session is set and reused, and each view is logged', async () => {
    const first = await fetch(`${gateway.url}/api/v1/movies/862`);
    expect(first.status).toBe(200);
    const cookies = first.headers.getSetCookie();
    const session = cookies.map((c) => /^marquee_sid=([^;]+)/.exec(c)?.[1]).find(Boolean) as string;
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    expect(cookies.find((c) => c.startsWith('marquee_sid='))).toContain('HttpOnly');
    const second = await fetch(`${gateway.url}/api/v1/movies/862`, {
      headers: { cookie: `other=1; marquee_sid=${session}` },
    });
    expect(second.headers.getSetCookie().some((c) => c.startsWith('marquee_sid='))).toBe(false);
    const views = await eventually(
      () => {
        const found = received.filter((r) => r.event.data.sessionId === session);
        return found.length === 2 ? found : undefined;
      },
      { what: 'two movie views in Kafka' },
    );
    for (const { event } of views) {
      expect(event.data).toMatchObject({
        userId: null,
        actionType: 'movie_view',
        movieId: 862,
        ipPrefix: '127.0.0.0/24',
      });
    }
  });

  it('When a signed-in user views a movie, then the event carries the user and is keyed by user id; failed pages are not logged', async () => {
    const token = await issuer.sign({ sub: aUser, role: 'user' });
    const res = await fetch(`${gateway.url}/api/v1/movies/42`, {
      headers: { authorization: `Bearer ${token}`, 'x-session-id': 'sess-user-1' },
    });
    expect(res.status).toBe(200);
    const notFound = await fetch(`${gateway.url}/api/v1/movies/0`, { headers: { 'x-session-id': 'sess-user-1' } });
    expect(notFound.status).toBe(400);
    const { key, event } = await eventually(() => received.find((r) => r.event.data.userId === aUser), {
      what: 'user activity',
    });
    expect(key).toBe(aUser);
    expect(event.data).toMatchObject({ sessionId: 'sess-user-1', movieId: 42, actionType: 'movie_view' });
    expect(received.filter((r) => r.event.data.sessionId === 'sess-user-1')).toHaveLength(1);
    expect(gateway.deps.activity.stats.dropped).toBe(0);
  });

  it('When activity has flowed, then /metrics on the operations port shows the dropped-events counter by reason and the queue depth', async () => {
    const body = await (await fetch(`${gateway.opsUrl}/metrics`)).text();
    expect(body).toMatch(/gateway_activity_events_dropped_total\{reason="queue_full",service="gateway"\} 0/);
    expect(body).toMatch(/gateway_activity_events_dropped_total\{reason="send_failed",service="gateway"\} 0/);
    expect(body).toMatch(/gateway_activity_queue_depth\{service="gateway"\} \d+/);
  });
});
