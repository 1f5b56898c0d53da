import { describe, expect, it } from 'vitest';
import { defaultParams } from '../src/domain/train-models';
import { type Csr, csrFromTriplets } from '../src/domain/feedback-matrix';
import type { Sequences } from '../src/domain/sequence-neighbours';
import { TrainingCancelled, trainInWorker } from '../src/model/run-training';
import type { WoodburyEase } from '../src/domain/ease-woodbury';

/** By default more users than dense items, so training takes the dense path: an n³ inverse worth cancelling. */
function data(items: number, users = items + 10) {
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < users; u++)
    for (let k = 0; k < 12; k++) {
      rows.push(u);
      cols.push((u * 7 + k * 13) % items);
    }
  return csrFromTriplets(
    users,
    items,
    rows,
    cols,
    rows.map(() => 1),
  );
}

/** Each user's items in row order stand for their time order. */
function inFileOrder(x: Csr): Sequences {
  return { items: x.indices, starts: x.indptr };
}

describe('training in a worker thread', () => {
  it('when training runs, then it reports progress and returns a model that scores', async () => {
    const progress: number[] = [];
    const x = data(120);
    const run = trainInWorker(x, inFileOrder(x), { ...defaultParams, denseMinCount: 1 }, (p) => progress.push(p));
    const { collaborative, sequence } = await run.promise;
    expect(progress.at(-1)).toBe(1);
    const user = { items: Int32Array.from([0, 13]), weights: Float32Array.from([1, 1]), favoriteGenres: [] };
    for (const model of [collaborative, sequence]) {
      const out = new Float32Array(120);
      model.score(user, out);
      expect(out.some((s) => s !== 0)).toBe(true);
    }
  });

  it('when users are fewer than items, then the worker returns EASE over history pieces and the whole-row base of the user-based part', async () => {
    const small = data(120, 40);
    const run = trainInWorker(
      small,
      inFileOrder(small),
      { ...defaultParams, pieces: { length: 5, lambda: 25 } },
      () => {},
    );
    const { collaborative, userBase } = await run.promise;
    expect(userBase).not.toBeNull();
    expect(collaborative).not.toBe(userBase);
    // 40 users of 12 items in pieces of at most 5: three pieces each.
    expect((collaborative as WoodburyEase).x.rows).toBe(120);
    expect(userBase!.x.rows).toBe(40);
    const user = { items: Int32Array.from([0, 13]), weights: Float32Array.from([1, 1]), favoriteGenres: [] };
    const out = new Float32Array(120);
    collaborative.score(user, out);
    expect(out.some((s) => s !== 0)).toBe(true);
  });

  it('when training is cancelled after its first progress, then it stops with TrainingCancelled', async () => {
    let run: ReturnType<typeof trainInWorker> | undefined;
    const x = data(2000);
    run = trainInWorker(x, inFileOrder(x), { ...defaultParams, denseMinCount: 1 }, () => run?.cancel());
    await expect(run.promise).rejects.toBeInstanceOf(TrainingCancelled);
  });
});
