import { createKafka } from '@marquee/platform-events';
import { describe, expect, it } from 'vitest';
import { type ActivityData, ActivityPublisher } from '../src/events/activity-publisher';
import { silent } from './helpers';

const view = (sessionId: string): ActivityData => ({
  userId: null,
  sessionId,
  actionType: 'movie_view',
  movieId: 1,
  ipPrefix: '203.0.113.0/24',
  userAgent: null,
  referer: null,
  source: null,
  metadata: {},
  at: new Date().toISOString(),
});

// Not started: nothing is sent, so these are the queue's own rules.
const publisher = (maxQueued: number) =>
  new ActivityPublisher(createKafka({ brokers: ['127.0.0.1:1'], clientId: 'queue-test' }, silent), {}, silent, {
    maxQueued,
    flushMs: 1000,
  });

describe('activity queue (best effort)', () => {
  it('When the queue is full, then new events are dropped and counted instead of growing memory', () => {
    const p = publisher(2);
    expect(p.log(view('a'))).toBeDefined();
    expect(p.log(view('b'))).toBeDefined();
    expect(p.log(view('c'))).toBeUndefined();
    expect(p.stats).toMatchObject({ queued: 2, dropped: 1 });
  });

  it('When an event does not match the contract, then it is dropped and counted, never thrown at the request', () => {
    const p = publisher(10);
    expect(p.log({ ...view('a'), movieId: -5 })).toBeUndefined();
    expect(p.stats).toMatchObject({ queued: 0, dropped: 1 });
  });
});

describe('activity drops on /metrics', () => {
  it('When events are dropped, then the Prometheus counter counts each by reason', async () => {
    const p = publisher(2);
    p.log(view('a'));
    p.log({ ...view('b'), movieId: -1 });
    p.log(view('c'));
    p.log(view('d'));
    const values = (await p.droppedTotal.get()).values.map((v) => [v.labels.reason, v.value]);
    expect(Object.fromEntries(values)).toEqual({ queue_full: 1, invalid: 1, send_failed: 0 });
    expect((await p.queueDepth.get()).values[0]?.value).toBe(2);
  });
});
