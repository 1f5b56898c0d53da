import type { ActivityRow } from '../domain/activity-rows';
import type { IpPolicy } from '../domain/ip-policy';

const UNSTORABLE = /[\0\ud800-\udfff]/;
const NUL_OR_LONE_SURROGATE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text PostgreSQL can hold: NUL dropped, a lone surrogate (which its JSON parser refuses) replaced by U+FFFD. */
export function storableText(s: string | null): string | null {
  if (s === null || !UNSTORABLE.test(s)) return s;
  return s.replace(NUL_OR_LONE_SURROGATE, (c) => (c === '\0' ? '' : '\ufffd'));
}

/**
 * One record of the write statement's JSON parameter: one-letter keys, a null or a seq of 0 left out (read back
 * as such). A run of an event's rows that differ only in seq (consecutive), movie and metadata is one record:
 * `n` holds each row's movie and `p` each row's own metadata keys, `d` the keys all of them share.
 */
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
  n?: (number | null)[];
  p?: Record<string, unknown>[];
}

const sameOrigin = (a: ActivityRow, b: ActivityRow) =>
  a.eventId === b.eventId &&
  a.actionType === b.actionType &&
  a.userId === b.userId &&
  a.sessionId === b.sessionId &&
  a.ipPrefix === b.ipPrefix &&
  a.userAgent === b.userAgent &&
  a.referer === b.referer &&
  a.source === b.source &&
  a.occurredAt.getTime() === b.occurredAt.getTime();

const isPrimitive = (v: unknown) => v === null || (typeof v !== 'object' && v !== undefined);

/** Metadata keys whose (primitive) value every row has: sent once for the run. */
function sharedMetadata(rows: ActivityRow[]): Record<string, unknown> {
  const first = (rows[0] as ActivityRow).metadata;
  const shared: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(first)) {
    if (isPrimitive(v) && rows.every((r) => Object.hasOwn(r.metadata, k) && r.metadata[k] === v)) shared[k] = v;
  }
  return shared;
}

function ownMetadata(row: ActivityRow, shared: Record<string, unknown>): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row.metadata)) if (!Object.hasOwn(shared, k)) own[k] = v;
  return own;
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

/**
 * The chunk's rows as the write statement reads them, a row repeated in the chunk (the same event delivered
 * twice) left out. A list of 50 impressions travels as one record of ~1,300 characters instead of 50 of ~240.
 */
export function wireRecords(rows: ActivityRow[], ip: IpPolicy): WireRecord[] {
  const seen = new Set<string>();
  const unique = rows.filter((r) => {
    const key = `${r.eventId}/${r.seq}/${r.occurredAt.getTime()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const out: WireRecord[] = [];
  for (let i = 0; i < unique.length; ) {
    const first = unique[i] as ActivityRow;
    let j = i + 1;
    while (j < unique.length) {
      const r = unique[j] as ActivityRow;
      if (r.seq !== first.seq + (j - i) || !sameOrigin(first, r)) break;
      j += 1;
    }
    if (j - i === 1) {
      out.push(record(first, ip));
    } else {
      const run = unique.slice(i, j);
      const shared = sharedMetadata(run);
      const w = record({ ...first, movieId: null, metadata: shared }, ip);
      w.n = run.map((r) => r.movieId);
      w.p = run.map((r) => ownMetadata(r, shared));
      out.push(w);
    }
    i = j;
  }
  return out;
}
