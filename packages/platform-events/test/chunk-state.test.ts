import type { Tx } from '@marquee/platform-db';
import { describe, expect, it } from 'vitest';
import { chunkState, type HandlerContext } from '../src/consumer';

/** The part of a handler's context chunkState reads: its transaction and beforeCommit (first key wins, as the consumer's). */
function transaction() {
  const pending = new Map<string, () => Promise<void>>();
  const tx = {} as Tx;
  const ctx = {
    tx,
    beforeCommit: (key: string, work: () => Promise<void>) => {
      if (!pending.has(key)) pending.set(key, work);
    },
  } as unknown as HandlerContext;
  return { ctx, commit: async () => Promise.all([...pending.values()].map((w) => w())) };
}

describe('chunkState', () => {
  it('When several events of one transaction add to it, then they share one state, flushed once; another transaction starts afresh', async () => {
    const flushed: number[][] = [];
    const idsOf = chunkState(
      () => [] as number[],
      async (ids) => {
        flushed.push(ids);
      },
    );
    const first = transaction();
    idsOf(first.ctx).push(1);
    idsOf(first.ctx).push(2);
    const second = transaction();
    idsOf(second.ctx).push(3);
    await first.commit();
    await second.commit();
    expect(flushed).toEqual([[1, 2], [3]]);
  });

  it('When two states are kept in one transaction, then each is flushed with its own work', async () => {
    const seen: string[] = [];
    const a = chunkState(
      () => ({ n: 0 }),
      async (s) => void seen.push(`a${s.n}`),
    );
    const b = chunkState(
      () => ({ n: 0 }),
      async (s) => void seen.push(`b${s.n}`),
    );
    const t = transaction();
    a(t.ctx).n += 2;
    b(t.ctx).n += 5;
    await t.commit();
    expect(seen).toEqual(['a2', 'b5']);
  });
});
