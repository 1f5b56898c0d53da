import { describe, expect, it } from 'vitest';
import { addMonths, monthOfPartition, monthStart, monthsToKeepAhead, partitionName, retentionCutoff } from './months';

describe('months', () => {
  it('when an instant is the last millisecond of a month, then it belongs to that month, not the next', () => {
    expect(partitionName(monthStart(new Date('2026-01-31T23:59:59.999Z')))).toBe('user_activity_logs_p2026_01');
    expect(partitionName(monthStart(new Date('2026-02-01T00:00:00.000Z')))).toBe('user_activity_logs_p2026_02');
  });

  it('when months are added across a year end, then the year rolls over', () => {
    expect(addMonths(new Date('2026-11-01T00:00:00Z'), 3).toISOString()).toBe('2027-02-01T00:00:00.000Z');
    expect(retentionCutoff(new Date('2026-03-15T10:00:00Z'), 12).toISOString()).toBe('2025-03-01T00:00:00.000Z');
  });

  it('when partitions are kept ahead, then the current month and that many more are listed', () => {
    expect(monthsToKeepAhead(new Date('2026-12-10T00:00:00Z'), 2).map(partitionName)).toEqual([
      'user_activity_logs_p2026_12',
      'user_activity_logs_p2027_01',
      'user_activity_logs_p2027_02',
    ]);
  });

  it('when a name is not a monthly partition, then no month is read from it', () => {
    expect(monthOfPartition('user_activity_logs_p2026_13')).toBeUndefined();
    expect(monthOfPartition('users; drop table x')).toBeUndefined();
    expect(monthOfPartition('user_activity_logs_p2026_07')?.toISOString()).toBe('2026-07-01T00:00:00.000Z');
  });
});
