import type { ServerResponse } from 'node:http';
import { requireUser } from '@marquee/platform-auth';
import {
  type NatsConnection,
  type SessionsRevoked,
  Subjects,
  type Subscription,
  subscribeJson,
} from '@marquee/platform-bus';
import { AppError, type HttpApp, Type } from '@marquee/platform-http';
import { sessionEnded } from '../domain/session-ended';

export interface StreamOptions {
  nats: NatsConnection;
  subjectPrefix: string;
  heartbeatMs: number;
  maxPerUser: number;
}

const EVENT_NAME = /^[\w.-]{1,64}$/;

/** One SSE frame; the event name comes from the message's `type` when it has a sane one. */
function frame(payload: unknown): string {
  const type = (payload as { type?: unknown } | null)?.type;
  const event = typeof type === 'string' && EVENT_NAME.test(type) ? `event: ${type}\n` : '';
  return `${event}data: ${JSON.stringify(payload)}\n\n`;
}

interface OpenStream {
  userId: string;
  sessionId: string | undefined;
  res: ServerResponse;
  sub: Subscription;
  timers: NodeJS.Timeout[];
}

/** Ends a stream with a last event naming why, so the client knows to sign in or refresh first. */
function end(s: OpenStream, reason: 'token_expired' | 'session_revoked' | 'shutdown'): void {
  if (s.res.writableEnded) return;
  s.res.end(`event: stream.closed\ndata: ${JSON.stringify({ type: 'stream.closed', reason })}\n\n`);
}

/**
 * GET /api/v1/stream: Server-Sent Events for the signed-in user, relaying what services publish on
 * NATS live.user.<id> (fresh recommendations, sent notifications). A comment line every heartbeat
 * keeps proxies from closing an idle stream. A stream lives no longer than its access token and
 * ends when auth announces its session revoked (logout, password change, deactivation, erasure).
 */
export async function streamRoutes(app: HttpApp, opts: StreamOptions): Promise<void> {
  const open = new Set<OpenStream>();
  const perUser = new Map<string, number>();
  const revocations = subscribeJson<SessionsRevoked>(
    opts.nats,
    `${opts.subjectPrefix}${Subjects.sessionsRevoked}`,
    (revoked) => {
      for (const s of open) if (sessionEnded(revoked, s)) end(s, 'session_revoked');
    },
  );
  // Before the server waits for connections to finish: a stream never finishes by itself.
  app.addHook('preClose', async () => {
    revocations.unsubscribe();
    for (const s of open) end(s, 'shutdown');
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
          '(e.g. `recommendations.updated`, `notification.sent`); `: heartbeat` comments keep the stream open. ' +
          'The stream ends with a `stream.closed` event when the access token expires or its session is revoked; ' +
          `at most ${opts.maxPerUser} streams per user at once (429 STREAM.TOO_MANY beyond).`,
        security: [{ bearerAuth: [] }],
        response: { 200: Type.String({ description: 'A text/event-stream that ends with its token' }) },
      },
    },
    async (req, reply) => {
      const identity = req.identity as NonNullable<typeof req.identity>;
      const { userId } = identity;
      const count = perUser.get(userId) ?? 0;
      if (count >= opts.maxPerUser) {
        throw new AppError(429, 'STREAM.TOO_MANY', `At most ${opts.maxPerUser} live streams per user`, {
          limit: opts.maxPerUser,
        });
      }
      perUser.set(userId, count + 1);
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const sub = subscribeJson<unknown>(opts.nats, `${opts.subjectPrefix}${Subjects.liveUser(userId)}`, (payload) => {
        res.write(frame(payload));
      });
      const s: OpenStream = { userId, sessionId: identity.sessionId, res, sub, timers: [] };
      s.timers.push(setInterval(() => res.write(': heartbeat\n\n'), opts.heartbeatMs));
      const ttl = (identity.expiresAt?.getTime() ?? Date.now()) - Date.now();
      s.timers.push(setTimeout(() => end(s, 'token_expired'), Math.max(0, ttl)));
      open.add(s);
      res.once('close', () => {
        open.delete(s);
        const left = (perUser.get(userId) ?? 1) - 1;
        if (left > 0) perUser.set(userId, left);
        else perUser.delete(userId);
        for (const t of s.timers) clearTimeout(t);
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
