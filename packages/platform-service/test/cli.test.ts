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

describe('messageOf', () => {
  it('puts a failed query reason first on one line, and gives an aggregate of refusals the first one', async () => {
    const { messageOf } = await import('../src/unreachable');
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    const failed = new Error('Failed query: select id\nfrom movies where id = $1\nparams: 7', { cause });
    expect(messageOf(failed)).toBe('connect ECONNREFUSED 127.0.0.1:5432 (in: select id)');
    expect(messageOf(new AggregateError([cause, new Error('connect ECONNREFUSED ::1:5432')], ''))).toBe(
      'connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(messageOf(new Error('two\n  lines'))).toBe('two lines');
    expect(messageOf('plain')).toBe('plain');
  });
});
