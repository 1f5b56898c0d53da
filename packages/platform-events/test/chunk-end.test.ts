import { describe, expect, it } from 'vitest';
import { chunkEnd } from '../src/consumer';

const messages = (keys: Array<string | null>) => keys.map((key) => ({ key: key === null ? null : Buffer.from(key) }));

/** The chunks a batch is cut into, as their keys ('-' for a keyless message). */
function chunks(keys: Array<string | null>, maxEvents: number, maxKeys?: number): string[] {
  const batch = messages(keys);
  const out: string[] = [];
  for (let i = 0; i < batch.length; ) {
    const end = chunkEnd(batch, i, maxEvents, maxKeys);
    out.push(
      keys
        .slice(i, end)
        .map((k) => k ?? '-')
        .join(''),
    );
    i = end;
  }
  return out;
}

describe('chunkEnd', () => {
  it('When no key bound is given, then chunks are maxEvents long and the last holds the rest', () => {
    expect(chunks(['a', 'b', 'c', 'd', 'e'], 2)).toEqual(['ab', 'cd', 'e']);
  });

  it("When a key bound is given, then a chunk ends before the event that brings a key too many, and a key's repeats stay in", () => {
    expect(chunks(['a', 'a', 'b', 'c', 'b', 'd'], 100, 2)).toEqual(['aab', 'cb', 'd']);
    expect(chunks(['a', 'b', 'a', 'b', 'a', 'c', 'c'], 100, 2)).toEqual(['ababa', 'cc']);
  });

  it('When both bounds apply, then the chunk ends at whichever comes first', () => {
    expect(chunks(['a', 'a', 'a', 'a', 'b'], 3, 5)).toEqual(['aaa', 'ab']);
    expect(chunks(['a', 'b', 'c', 'a', 'a'], 4, 2)).toEqual(['ab', 'caa']);
  });

  it('When messages have no key, then each counts as a key of its own', () => {
    expect(chunks([null, null, 'a', 'a', null], 100, 2)).toEqual(['--', 'aa-']);
  });

  it('When a bound is zero or less, then a chunk still holds one message', () => {
    expect(chunks(['a', 'b'], 0)).toEqual(['a', 'b']);
    expect(chunks(['a', 'a', 'b'], 10, 0)).toEqual(['aa', 'b']);
  });
});
