import { createHash } from 'node:crypto';

export type AlgorithmName = 'collaborative' | 'content_based' | 'hybrid' | 'trending';
export const ALGORITHMS: readonly AlgorithmName[] = ['collaborative', 'content_based', 'hybrid', 'trending'];

export interface Variant {
  variant: string;
  weight: number;
  algorithm: AlgorithmName;
  blend?: { collaborative: number; users?: number; sequence?: number; content: number; trending: number };
  diversity?: number;
}

/** Validates the configured variants; a bad list stops the service at start with the reason. */
export function parseExperiments(json: string): Variant[] {
  const list = JSON.parse(json) as unknown;
  if (!Array.isArray(list) || list.length === 0) throw new Error('RECOMMENDATION_EXPERIMENTS must be a non-empty list');
  const names = new Set<string>();
  return list.map((v: Partial<Variant>, i) => {
    if (typeof v.variant !== 'string' || !/^[\w-]{1,40}$/.test(v.variant) || names.has(v.variant))
      throw new Error(`variant ${i}: "variant" must be a unique name of letters, digits, _ or -`);
    if (typeof v.weight !== 'number' || !(v.weight > 0)) throw new Error(`variant ${v.variant}: weight must be > 0`);
    if (!ALGORITHMS.includes(v.algorithm as AlgorithmName))
      throw new Error(`variant ${v.variant}: algorithm must be one of ${ALGORITHMS.join(', ')}`);
    names.add(v.variant);
    return v as Variant;
  });
}

/** The same user always lands in the same variant: a hash of salt and id picks a point on the weights. */
export function assignVariant(variants: readonly Variant[], userId: string, salt: string): Variant {
  // One variant (the default) is everyone's: no hash per fold-in.
  if (variants.length === 1) return variants[0]!;
  const digest = createHash('sha256').update(`${salt}:${userId}`).digest();
  const point = (digest.readUInt32BE(0) / 2 ** 32) * variants.reduce((s, v) => s + v.weight, 0);
  let cumulative = 0;
  for (const v of variants) {
    cumulative += v.weight;
    if (point < cumulative) return v;
  }
  return variants[variants.length - 1]!;
}
