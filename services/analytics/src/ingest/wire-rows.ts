import type { ActivityRow } from '../domain/activity-rows';
import type { IpPolicy } from '../domain/ip-policy';

const UNSTORABLE = /[\0\ud800-\udfff]/;
const NUL_OR_LONE_SURROGATE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text PostgreSQL can hold: NUL dropped, a lone surrogate (which its JSON parser refuses) replaced by U+FFFD. */
export function storableText(s: string | null): string | null {
  if (s === null || !UNSTORABLE.test(s)) return s;
  return s.replace(NUL_OR_LONE_SURROGATE, (c) => (c === '\0' ? '' : '\ufffd'));
}

/** One record of the write statement's JSON parameter: one-letter keys, a null or a seq of 0 left out (read back as such). */
export interface WireRecord {
  e: string;
  q?: number;
  u?: string;
  s?: string;
  a: string;
  m?: number;
  i?: string;
  g?: string;
  r?: string;
  o?: string;
  d: Record<string, unknown>;
  t: Date;
}

function record(r: ActivityRow, ip: IpPolicy): WireRecord {
  const w: WireRecord = { e: r.eventId, a: r.actionType, d: r.metadata, t: r.occurredAt };
  if (r.seq !== 0) w.q = r.seq;
  if (r.userId !== null) w.u = r.userId;
  const session = storableText(r.sessionId);
  if (session !== null) w.s = session;
  if (r.movieId !== null) w.m = r.movieId;
  const address = ip.protect(r.ipPrefix);
  if (address !== null) w.i = address;
  const agent = storableText(r.userAgent);
  if (agent !== null) w.g = agent;
  const referer = storableText(r.referer);
  if (referer !== null) w.r = referer;
  if (r.source !== null) w.o = r.source;
  return w;
}

/** The chunk's rows as the write statement reads them, a row repeated in the chunk (the same event delivered twice) left out. */
export function wireRecords(rows: ActivityRow[], ip: IpPolicy): WireRecord[] {
  const seen = new Set<string>();
  const out: WireRecord[] = [];
  for (const r of rows) {
    const key = `${r.eventId}/${r.seq}/${r.occurredAt.getTime()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(record(r, ip));
  }
  return out;
}
