import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsAccumulator } from './metrics';
import { readMovieLens } from './movielens';
import { leaveLastOut, randomSplit } from './split';

function write(name: string, body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ml-'));
  writeFileSync(join(dir, name), body);
  return dir;
}
const lines = (sep: string) =>
  Array.from({ length: 20 }, (_, k) => [1 + (k % 2), 100 + k, 4, 1000 + k].join(sep)).join('\n');

describe('evaluation', () => {
  it('when given each published format, then the reader recognises it from the content', () => {
    expect(readMovieLens(write('ratings.csv', `userId,movieId,rating,timestamp\n${lines(',')}\n`)).format).toMatch(
      'latest',
    );
    expect(readMovieLens(write('u.data', `${lines('\t')}\n`)).format).toMatch('100k');
    expect(readMovieLens(write('ratings.dat', `${lines('::')}\n`)).items).toBe(20);
  });

  it('when split 80/10/10 with a seed, then each user gets round(0.8n)/round(0.1n)/rest, the same every time', () => {
    const data = readMovieLens(write('u.data', `${lines('\t')}\n`));
    const a = randomSplit(data, 2020);
    expect(Array.from(a)).toEqual(Array.from(randomSplit(data, 2020)));
    const forUser1 = [...a.keys()].filter((k) => data.user[k] === 0).map((k) => a[k]);
    expect(forUser1.filter((s) => s === 0)).toHaveLength(8);
    expect(forUser1.filter((s) => s === 1)).toHaveLength(1);
    expect(forUser1.filter((s) => s === 2)).toHaveLength(1);
  });

  it('when split leave-last-out, then the latest rating is test and the one before validation', () => {
    const data = readMovieLens(write('u.data', `${lines('\t')}\n`));
    const s = leaveLastOut(data);
    expect(s[18]).toBe(2);
    expect(s[16]).toBe(1);
  });

  it('when one of two relevant items is ranked first, then NDCG, recall, precision, HR and MRR follow', () => {
    const acc = new MetricsAccumulator(100);
    acc.add([5, 6, 7, 8, 9, 10, 11, 12, 13, 14], new Set([5, 99]));
    const m = acc.result();
    expect(m.ndcg).toBeCloseTo(1 / (1 + 1 / Math.log2(3)));
    expect(m.recall).toBe(0.5);
    expect(m.precision).toBe(0.1);
    expect(m.hitRate).toBe(1);
    expect(m.mrr).toBe(1);
    expect(m.coverage).toBe(0.1);
  });
});
