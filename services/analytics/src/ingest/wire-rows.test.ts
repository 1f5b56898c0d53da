import { describe, expect, it } from 'vitest';
import type { ActivityRow } from '../domain/activity-rows';
import { IpPolicy } from '../domain/ip-policy';
import { storableText, type WireRecord, wireRecords } from './wire-rows';

describe('storable text', () => {
  it('when text holds a NUL or a lone surrogate, then the NUL is dropped and the surrogate replaced; pairs stay', () => {
    expect(storableText('a\0b')).toBe('ab');
    expect(storableText('x\ud800y')).toBe('x\ufffdy');
    expect(storableText('x\udc00')).toBe('x\ufffd');
    expect(storableText('🎬 ok')).toBe('🎬 ok');
    expect(storableText('plain')).toBe('plain');
    expect(storableText(null)).toBeNull();
  });
});

const ip = IpPolicy.fromConfig('truncate', '', '');
const at = new Date('2026-12-01T10:00:00.000Z');
const row = (o: Partial<ActivityRow>): ActivityRow => ({
  eventId: 'e1',
  seq: 0,
  userId: 'u1',
  sessionId: null,
  actionType: 'recommendation_impression',
  movieId: 1,
  ipPrefix: null,
  userAgent: null,
  referer: null,
  source: null,
  metadata: {},
  occurredAt: at,
  ...o,
});
const list = (eventId: string, movies: number[]) =>
  movies.map((movieId, i) =>
    row({
      eventId,
      seq: i,
      movieId,
      metadata: { algorithm: 'hybrid', rank: i + 1, score: 0.9 - i * 0.1, variant: 'b' },
    }),
  );
/** What the statement makes of a record: one row per movie, shared metadata merged into each row's own. */
const expand = (w: WireRecord) =>
  w.n
    ? w.n.map((m, k) => ({ seq: (w.q ?? 0) + k, movieId: m, metadata: { ...w.d, ...w.p?.[k] } }))
    : [{ seq: w.q ?? 0, movieId: w.m ?? null, metadata: w.d }];

describe('wire records', () => {
  it('when a list of impressions is written, then it travels as one record that expands to the same rows', () => {
    const rows = list('e1', [5, 7, 9]);
    const records = wireRecords(rows, ip);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ e: 'e1', u: 'u1', d: { algorithm: 'hybrid', variant: 'b' }, n: [5, 7, 9] });
    expect(records[0]?.p).toEqual([0, 1, 2].map((i) => ({ rank: i + 1, score: 0.9 - i * 0.1 })));
    expect(records.flatMap(expand)).toEqual(
      rows.map((r) => ({ seq: r.seq, movieId: r.movieId, metadata: r.metadata })),
    );
  });

  it('when an event is in the chunk twice, then its rows are sent once', () => {
    const rows = [...list('e1', [5, 7]), row({ eventId: 'e2', actionType: 'movie_view' }), ...list('e1', [5, 7])];
    const records = wireRecords(rows, ip);
    expect(records.map((r) => [r.e, r.n ?? null])).toEqual([
      ['e1', [5, 7]],
      ['e2', null],
    ]);
  });

  it('when rows of one event differ in more than movie and metadata, or skip a seq, then they stay separate', () => {
    const rows = [
      row({ seq: 0, movieId: 1 }),
      row({ seq: 1, movieId: 2, sessionId: 's' }),
      row({ seq: 3, movieId: 3, sessionId: 's' }),
    ];
    const records = wireRecords(rows, ip);
    expect(records.map((r) => [r.q ?? 0, r.m, r.s ?? null, r.n ?? null])).toEqual([
      [0, 1, null, null],
      [1, 2, 's', null],
      [3, 3, 's', null],
    ]);
  });

  it('when metadata values differ or are objects, then each row carries them itself', () => {
    const rows = [
      row({ seq: 0, metadata: { kind: 'a', nested: { x: 1 }, same: true } }),
      row({ seq: 1, metadata: { kind: 'b', nested: { x: 1 }, same: true } }),
    ];
    const [record] = wireRecords(rows, ip);
    expect(record?.d).toEqual({ same: true });
    expect(record?.p).toEqual([
      { kind: 'a', nested: { x: 1 } },
      { kind: 'b', nested: { x: 1 } },
    ]);
  });
});
