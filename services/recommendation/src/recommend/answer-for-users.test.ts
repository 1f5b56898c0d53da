import { describe, expect, it } from 'vitest';
import { MAX_USERS_PER_REQUEST, parseForUsers } from './answer-for-users';

const id = '0190a0e4-1b2c-7d3e-8f40-123456789abc';

describe('parseForUsers', () => {
  it('when the limit is above the stored list size, then it is capped to it; without one, 20 applies', () => {
    expect(parseForUsers({ userIds: [id], limit: 1000 }, 50)).toEqual({ userIds: [id], limit: 50 });
    expect(parseForUsers({ userIds: [id] }, 50).limit).toBe(20);
    expect(parseForUsers({ userIds: [id] }, 10).limit).toBe(10);
    expect(parseForUsers({ userIds: [id], limit: 3 }, 50).limit).toBe(3);
  });

  it('when ids are upper-case, then they are answered lower-case as stored; more than 200 are refused', () => {
    expect(parseForUsers({ userIds: [id.toUpperCase()] }, 50).userIds).toEqual([id]);
    const most = Array.from({ length: MAX_USERS_PER_REQUEST }, () => id);
    expect(parseForUsers({ userIds: most }, 50).userIds).toHaveLength(200);
    expect(() => parseForUsers({ userIds: [...most, id] }, 50)).toThrow('userIds must be 1 to 200 uuids');
    expect(() => parseForUsers(null, 50)).toThrow('request must be an object');
    expect(() => parseForUsers([id], 50)).toThrow('request must be an object');
  });
});
