import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { truncateIp } from '../domain/ip-prefix';
import { clientSourceOf, pageActivityOf } from '../domain/page-activity';
import type { ActivityPublisher } from './activity-publisher';

const SESSION_ID = /^[\w.:-]{1,128}$/;
const SESSION_MAX_AGE_S = 30 * 24 * 3600;
const MAX_HEADER_CHARS = 512;

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The anonymous session: `x-session-id`, else the session cookie, else a new id set as that cookie. */
function sessionIdOf(req: FastifyRequest, reply: FastifyReply, cookie: string): string {
  const header = req.headers['x-session-id'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader && SESSION_ID.test(fromHeader)) return fromHeader;
  const fromCookie = cookieValue(req.headers.cookie, cookie);
  if (fromCookie && SESSION_ID.test(fromCookie)) return fromCookie;
  const id = randomUUID();
  reply.header('set-cookie', `${cookie}=${id}; Path=/; Max-Age=${SESSION_MAX_AGE_S}; HttpOnly; SameSite=Lax`);
  return id;
}

const clip = (v: string | string[] | undefined) => {
  const s = Array.isArray(v) ? v[0] : v;
  return s ? s.slice(0, MAX_HEADER_CHARS) : null;
};

/**
 * Publishes activity.logged for a search or a movie page view that the upstream answered with 2xx,
 * signed in or not. Call before the reply is sent (it may set the session cookie).
 */
export function logPageActivity(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  publisher: ActivityPublisher,
  sessionCookie: string,
): void {
  const activity = pageActivityOf(req.method, req.url, status);
  if (!activity) return;
  publisher.log({
    userId: req.identity?.userId ?? null,
    sessionId: sessionIdOf(req, reply, sessionCookie),
    actionType: activity.actionType,
    movieId: activity.movieId,
    ipPrefix: truncateIp(req.ip),
    userAgent: clip(req.headers['user-agent']),
    referer: clip(req.headers.referer),
    source: clientSourceOf(req.headers['x-client-source']),
    metadata: activity.metadata,
    at: new Date().toISOString(),
  });
}
