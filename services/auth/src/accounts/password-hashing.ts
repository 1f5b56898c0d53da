import argon2 from 'argon2';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Verifies against the stored hash; with no hash (unknown account) it verifies against a dummy
   * hash of the same cost, so both answers take about as long.
   */
  verify(storedHash: string | null, password: string): Promise<boolean>;
}

export async function createPasswordHasher(opts: { memoryCost: number; timeCost: number }): Promise<PasswordHasher> {
  const params = {
    type: argon2.argon2id,
    memoryCost: opts.memoryCost,
    timeCost: opts.timeCost,
    parallelism: 1,
  } as const;
  const dummy = await argon2.hash(`dummy-${Math.random()}`, params);
  return {
    hash: (password) => argon2.hash(password, params),
    async verify(storedHash, password) {
      try {
        const ok = await argon2.verify(storedHash ?? dummy, password);
        return storedHash !== null && ok;
      } catch {
        return false;
      }
    },
  };
}
