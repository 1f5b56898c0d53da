import { describe, expect, it } from 'vitest';
import { quarterFromName, quarterOf } from './quarters';

describe('quarters', () => {
  it('When a date is placed, then it falls in its calendar quarter', () => {
    const q = quarterOf(new Date('2026-11-30T23:59:59Z'));
    expect(q).toEqual({
      name: 'notification_logs_2026_q4',
      from: new Date('2026-10-01T00:00:00Z'),
      to: new Date('2027-01-01T00:00:00Z'),
    });
  });
  it('When quarters ahead or behind are asked, then years roll over', () => {
    expect(quarterOf(new Date('2026-11-30Z'), 2).name).toBe('notification_logs_2027_q2');
    expect(quarterOf(new Date('2026-02-01Z'), -1).name).toBe('notification_logs_2025_q4');
  });
  it('When a partition name is read back, then its bounds match; foreign names are ignored', () => {
    expect(quarterFromName('notification_logs_2025_q3')?.from).toEqual(new Date('2025-07-01Z'));
    expect(quarterFromName('notification_logs_default')).toBeNull();
  });
});
