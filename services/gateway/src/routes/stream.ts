import { requireUser } from '@marquee/platform-auth';
import { type NatsConnection, Subjects, type Subscription, subscribeJson } from '@marquee/platform-bus';
import { type HttpApp, Type } from '@marquee/platform-http';
import type { ServerResponse } from 'node:http';

export interface StreamOptions {
  nats: NatsConnection;
  subjectPrefix: string;
  heartbeatMs: number;
}

const EVENT_NAME = /^[\w.-]{1,64}$/;

/** One SSE frame; the event name comes from the message's `type` when it has a sane one. */
function frame(payload: unknown): string {
  const type = (payload as { type?: unknown } | null)?.type;
  const event = typeof type === 'string' && EVENT_NAME.test(type) ? `event: ${type}\n` : '';
  return `${event}data: ${JSON.stringify(payload)}\n\n`;
}

/**
 * GET /api/v1/stream: Server-Sent Events for the signed-in user, relaying what services publish on
 * NATS live.user.<id> (fresh recommendations, sent notifications). A comment line every heartbeat
 * keeps proxies from closing an idle stream; the NATS subscription ends with the connection.
 */
export async function streamRoutes(app: HttpApp, opts: StreamOptions): Promise<void> {
  const open = new Set<{ res: ServerResponse; sub: Subscription; timer: NodeJS.Timeout }>();
  // Before the server waits for connections to finish: a stream never finishes by itself.
  app.addHook('preClose', async () => {
    for (const s of open) s.res.end();
  });

  app.get(
    '/api/v1/stream',
    {
      preHandler: requireUser,
      schema: {
        tags: ['live'],
        summary: 'Live updates for the signed-in user (text/event-stream)',
        description:
          'Server-Sent Events. Each event is a JSON `data:` line named after its `type` ' +
          '(e.g. `recommendations.updated`, `notification.sent`); `: heartbeat` comments keep the stream open.',
        security: [{ bearerAuth: [] }],
        response: { 200: Type.String({ description: 'An endless text/event-stream' }) },
      },
    },
    async (req, reply) => {
      const userId = req.identity?.userId as string;
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const sub = subscribeJson<unknown>(opts.nats, `${opts.subjectPrefix}${Subjects.liveUser(userId)}`, (payload) => {
        res.write(frame(payload));
      });
      const timer = setInterval(() => res.write(': heartbeat\n\n'), opts.heartbeatMs);
      const entry = { res, sub, timer };
      open.add(entry);
      res.once('close', () => {
        open.delete(entry);
        clearInterval(timer);
        sub.unsubscribe();
        req.log.info({ userId }, 'stream closed');
      });
      // After the flush the NATS server knows the subscription: nothing published from now on is missed.
      await opts.nats.flush();
      if (!res.writableEnded) res.write('retry: 3000\n: connected\n\n');
      req.log.info({ userId }, 'stream opened');
    },
  );
}
