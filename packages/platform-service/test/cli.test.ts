import path from 'node:path';
import { repoRoot, runTs } from '@marquee/platform-testing';
import { describe, expect, it } from 'vitest';

describe('runCli', () => {
  it('When a command leaves a rejection nobody handles, then it prints one line naming it and exits 1 without finishing', async () => {
    const p = runTs(path.join(repoRoot, 'packages/platform-service/test/fixtures/crashing-cli.ts'), {});
    expect(await p.exited).toBe(1);
    expect(p.err()).toBe('fixture crash: unhandled rejection: boom from a promise\n');
    expect(p.out()).toBe('');
  });
});
