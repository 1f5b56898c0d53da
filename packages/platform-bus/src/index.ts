import { connect, JSONCodec, type NatsConnection, type Msg, type Subscription, headers as natsHeaders } from 'nats';

export type { NatsConnection, Subscription };

const codec = JSONCodec();

/** The part of a pino logger the bus uses. */
export interface BusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

interface BusState {
  logger?: BusLogger;
  dropped: number;
}
const states = new WeakMap<NatsConnection, BusState>();

/**
 * Connects as the service's own NATS user when the URL carries one (`nats://<service>:<password>@host:port`,
 * see deploy/images/nats/marquee-nats.conf). Replies come to `_INBOX.<name>.…`, the only inbox that user
 * may read, so no other service can listen in on the answers it asked for. Reconnects endlessly; with a
 * logger, connection losses and returns are logged.
 */
export async function connectBus(url: string, name: string, logger?: BusLogger): Promise<NatsConnection> {
  const parsed = new URL(url);
  const credentials = parsed.username
    ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) }
    : {};
  parsed.username = '';
  parsed.password = '';
  const nc = await connect({
    servers: parsed.toString().replace(/\/$/, ''),
    name,
    ...credentials,
    inboxPrefix: `_INBOX.${name}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
  states.set(nc, { logger, dropped: 0 });
  if (logger) {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') logger.warn({ server: s.data }, 'NATS connection lost; reconnecting');
        else if (s.type === 'reconnect') logger.info({ server: s.data }, 'NATS connection back');
      }
    })();
  }
  return nc;
}

/** Signals publishJson could not send (connection closed or draining) since connectBus. */
export function droppedPublishes(nc: NatsConnection): number {
  return states.get(nc)?.dropped ?? 0;
}

export async function checkBus(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) throw new Error('NATS connection is closed');
  await nc.flush();
}

/** Subjects of the platform's ephemeral signals (ARCHITECTURE.md §3). */
export const Subjects = {
  liveUser: (userId: string) => `live.user.${userId}`,
  cacheInvalidate: (service: string) => `cache.invalidate.${service}`,
  gdprExport: (service: string) => `gdpr.export.${service}`,
  gdprExportAll: 'gdpr.export.*',
  /** Auth announces revoked sessions so open streams end with them: SessionsRevoked. */
  sessionsRevoked: 'auth.sessions.revoked',
  /** Request/reply answered by auth: a user's contact details at the moment of sending (notification only). */
  authContact: 'auth.contact',
  /** Request/reply answered by recommendation: users' current lists for their digests (notification only). */
  recommendationForUsers: 'recommendation.for-users',
};

/** Either one session (logout, reuse) or every session of the user but `exceptSessionId` (password change). */
export interface SessionsRevoked {
  userId: string;
  sessionId?: string;
  exceptSessionId?: string;
}

/**
 * Publishes a fire-and-forget signal. While reconnecting, the client buffers it; on a closed or draining
 * connection it is dropped, logged and counted, never thrown: signals are ephemeral, and a throw here
 * would surface as an unhandled rejection in whatever timer or handler published it.
 */
export function publishJson(nc: NatsConnection, subject: string, data: unknown, correlationId?: string): boolean {
  const h = natsHeaders();
  if (correlationId) h.set('correlation-id', correlationId);
  try {
    nc.publish(subject, codec.encode(data), { headers: h });
    return true;
  } catch (err) {
    const state = states.get(nc);
    if (state) state.dropped += 1;
    state?.logger?.warn({ err, subject }, 'NATS signal dropped: connection closed');
    return false;
  }
}

export function subscribeJson<T>(
  nc: NatsConnection,
  subject: string,
  onMessage: (data: T, msg: Msg) => void | Promise<void>,
  opts: { queue?: string } = {},
): Subscription {
  const sub = nc.subscribe(subject, opts.queue ? { queue: opts.queue } : {});
  const logger = states.get(nc)?.logger;
  void (async () => {
    for await (const msg of sub) {
      try {
        await onMessage(codec.decode(msg.data) as T, msg);
      } catch (err) {
        // A bad ephemeral signal is dropped (the system of record is Kafka), but never silently.
        logger?.warn({ err, subject: msg.subject }, 'NATS signal handler failed; signal dropped');
      }
    }
  })().catch((err: unknown) => {
    // A subscription the server refuses (NATS permissions) ends here instead of crashing the process.
    logger?.warn({ err, subject }, 'NATS subscription ended');
  });
  return sub;
}

/** Answers request/reply on subject with JSON; a handler error answers { error }. */
export function serveJson<Req, Res>(
  nc: NatsConnection,
  subject: string,
  handler: (req: Req) => Promise<Res>,
  opts: { queue?: string } = {},
): Subscription {
  const sub = nc.subscribe(subject, opts.queue ? { queue: opts.queue } : {});
  const logger = states.get(nc)?.logger;
  void (async () => {
    for await (const msg of sub) {
      let reply: unknown;
      try {
        reply = { ok: true, data: await handler(codec.decode(msg.data) as Req) };
      } catch (err) {
        logger?.warn({ err, subject: msg.subject }, 'NATS request handler failed; answered with its error');
        reply = { ok: false, error: (err as Error).message };
      }
      msg.respond(codec.encode(reply));
    }
  })().catch((err: unknown) => {
    logger?.warn({ err, subject }, 'NATS service subscription ended');
  });
  return sub;
}

export async function requestJson<Res>(
  nc: NatsConnection,
  subject: string,
  data: unknown,
  timeoutMs: number,
): Promise<Res> {
  const msg = await nc.request(subject, codec.encode(data), { timeout: timeoutMs });
  const reply = codec.decode(msg.data) as { ok: boolean; data?: Res; error?: string };
  if (!reply.ok) throw new Error(reply.error ?? 'request failed');
  return reply.data as Res;
}
