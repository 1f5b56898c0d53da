import { describe, expect, it } from 'vitest';
import {
  AllEvents,
  InteractionRecorded,
  InvalidEventError,
  Topics,
  TrendingUpdated,
  buildEvent,
  isEvent,
  parseEvent,
} from '../src/index';

const interaction = {
  interactionId: 'i-1',
  userId: '0190a0b0-0000-7000-8000-000000000001',
  movieId: 42,
  interactionType: 'rating' as const,
  rating: 4,
  previousRating: null,
  feedbackType: null,
  hasFeedbackComment: false,
  source: 'web' as const,
  at: '2026-11-25T10:00:00.000Z',
};

describe('event contracts', () => {
  it('When an event is built, then its envelope follows the architecture (uuid v7 id, source, key)', () => {
    const e = buildEvent(InteractionRecorded, interaction.userId, interaction, { correlationId: 'c-1' });
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(e).toMatchObject({
      type: 'interaction.recorded',
      version: 1,
      source: 'interaction',
      key: interaction.userId,
    });
    const parsed = parseEvent(JSON.stringify(e));
    expect(parsed.known).toBe(true);
    expect(isEvent(parsed.envelope, InteractionRecorded)).toBe(true);
    expect(parsed.envelope).toEqual(e);
  });

  it('When data breaks its schema, then building fails naming the field', () => {
    expect(() => buildEvent(InteractionRecorded, 'k', { ...interaction, rating: 9 }, { correlationId: 'c' })).toThrow(
      /\/rating/,
    );
  });

  it('When a message is not JSON or misses envelope fields, then parsing throws InvalidEventError', () => {
    expect(() => parseEvent('{nope')).toThrow(InvalidEventError);
    expect(() => parseEvent(JSON.stringify({ type: 'x.y', data: {} }))).toThrow(/envelope is invalid/);
  });

  it('When a known type carries bad data, then parsing rejects it', () => {
    const e = buildEvent(TrendingUpdated, '2026-11-25', { date: '2026-11-25', movies: [] }, { correlationId: 'c' });
    expect(() => parseEvent(JSON.stringify({ ...e, data: { date: 'yesterday', movies: [] } }))).toThrow(/date/);
  });

  it('When the type is unknown to this build, then it parses as not known instead of failing', () => {
    const e = buildEvent(TrendingUpdated, 'd', { date: '2026-11-25', movies: [] }, { correlationId: 'c' });
    expect(parseEvent(JSON.stringify({ ...e, type: 'trending.recomputed' })).known).toBe(false);
  });

  it('When the catalogue is listed, then every topic of the architecture has events', () => {
    const topics = new Set(AllEvents.map((e) => e.topic));
    expect([...topics].sort()).toEqual(Object.values(Topics).sort());
    expect(new Set(AllEvents.map((e) => e.type)).size).toBe(AllEvents.length);
  });
});
