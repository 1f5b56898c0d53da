import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assignVariant, parseExperiments } from './experiments';

describe('experiments', () => {
  const variants = parseExperiments(
    '[{"variant":"a","weight":3,"algorithm":"hybrid"},{"variant":"b","weight":1,"algorithm":"content_based"}]',
  );

  it('when the same user is assigned twice, then they get the same variant', () => {
    const id = randomUUID();
    expect(assignVariant(variants, id, 's').variant).toBe(assignVariant(variants, id, 's').variant);
  });

  it('when many users are assigned, then the split follows the weights', () => {
    const counts = { a: 0, b: 0 } as Record<string, number>;
    for (let i = 0; i < 4000; i++) counts[assignVariant(variants, randomUUID(), 's').variant]!++;
    expect(counts.a! / 4000).toBeGreaterThan(0.7);
    expect(counts.a! / 4000).toBeLessThan(0.8);
  });

  it('when a variant names an unknown algorithm, then parsing says which', () => {
    expect(() => parseExperiments('[{"variant":"x","weight":1,"algorithm":"magic"}]')).toThrow('variant x: algorithm');
  });
});
