import { eventually, testInfra, uniqueName } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkBus,
  connectBus,
  droppedPublishes,
  type NatsConnection,
  publishJson,
  requestJson,
  serveJson,
  subscribeJson,
} from '../src/index';

let nc: NatsConnection;
beforeAll(async () => {
  nc = await connectBus(testInfra().natsUrl, 'bus-test');
  await checkBus(nc);
});
afterAll(() => nc.close());

describe('NATS bus', () => {
  it('When a signal or request handler fails, then the failure is logged with its subject, not swallowed', async () => {
    const logged: { obj: { err?: Error; subject?: string }; msg: string }[] = [];
    const collect = (obj: object, msg: string) => void logged.push({ obj: obj as (typeof logged)[number]['obj'], msg });
    const own = await connectBus(testInfra().natsUrl, 'bus-test-logged', { info: collect, warn: collect });
    try {
      const signal = `${uniqueName('live')}.user.2`;
      subscribeJson(own, signal, () => {
        throw new Error('handler broke');
      });
      const asked = `${uniqueName('gdpr')}.export.logged`;
      serveJson(own, asked, async () => {
        throw new Error('export broke');
      });
      await own.flush();
      publishJson(own, signal, { kind: 'recommendations.updated' });
      await expect(requestJson(own, asked, {}, 1000)).rejects.toThrow('export broke');
      await eventually(() => logged.length >= 2, { what: 'both failures logged' });
      expect(logged).toEqual(
        expect.arrayContaining([
          {
            obj: { err: expect.objectContaining({ message: 'handler broke' }), subject: signal },
            msg: 'NATS signal handler failed; signal dropped',
          },
          {
            obj: { err: expect.objectContaining({ message: 'export broke' }), subject: asked },
            msg: 'NATS request handler failed; answered with its error',
          },
        ]),
      );
    } finally {
      await own.close();
    }
  });

  it('When a signal is published, then subscribers receive its JSON', async () => {
    const subject = `${uniqueName('live')}.user.1`;
    const got: unknown[] = [];
    subscribeJson(nc, subject, (d) => void got.push(d));
    await nc.flush();
    publishJson(nc, subject, { kind: 'recommendations.updated' }, 'c-1');
    await eventually(() => got.length === 1, { what: 'the signal' });
    expect(got[0]).toEqual({ kind: 'recommendations.updated' });
  });

  it('When a signal is published on a closed connection, then it is dropped and counted, never thrown', async () => {
    const closed = await connectBus(testInfra().natsUrl, 'bus-test-closed');
    await closed.close();
    expect(publishJson(closed, `${uniqueName('late')}.signal`, { late: true })).toBe(false);
    expect(droppedPublishes(closed)).toBe(1);
    expect(publishJson(nc, `${uniqueName('live')}.signal`, { live: true })).toBe(true);
    expect(droppedPublishes(nc)).toBe(0);
  });

  it('When a request is served, then the reply returns; when the handler fails or nobody answers, the caller gets an error', async () => {
    const subject = `${uniqueName('gdpr')}.export.catalog`;
    serveJson<{ userId: string }, { rows: number }>(nc, subject, async (req) => {
      if (req.userId === 'bad') throw new Error('no such user');
      return { rows: 3 };
    });
    await nc.flush();
    expect(await requestJson(nc, subject, { userId: 'u1' }, 1000)).toEqual({ rows: 3 });
    await expect(requestJson(nc, subject, { userId: 'bad' }, 1000)).rejects.toThrow('no such user');
    await expect(requestJson(nc, `${subject}.nobody`, {}, 300)).rejects.toThrow();
  });
});
