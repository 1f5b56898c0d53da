import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CpuProfile, summarizeProfile, summarizeProfiles } from '../bench/lib/cpu-profile';

/** A profile as node --cpu-prof writes one: nodes with call frames, sampled node ids and µs between samples. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
    { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
    { id: 3, callFrame: { functionName: 'score', url: 'file:///r/services/x/src/domain/content.ts', lineNumber: 9 } },
    { id: 4, callFrame: { functionName: '', url: 'file:///r/services/x/src/app.ts', lineNumber: 0 } },
    { id: 5, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
    // The same function reached by another path: its samples add up under one name.
    { id: 6, callFrame: { functionName: 'score', url: 'file:///r/services/x/src/domain/content.ts', lineNumber: 9 } },
  ],
  samples: [2, 3, 3, 4, 5, 6, 2],
  timeDeltas: [5000, 1000, 2000, 500, 500, 1000, 5000],
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('CPU profile summaries (BENCH_PROFILE)', () => {
  it('When a profile is summarised, then idle is set apart and each function gets its self time and share of the busy time', () => {
    const s = summarizeProfile(profile, 2);
    expect(s.idleMs).toBe(10);
    expect(s.busyMs).toBe(5);
    expect(s.top).toEqual([
      { name: 'score domain/content.ts:10', ms: 4, share: 0.8 },
      { name: '(anonymous) src/app.ts:1', ms: 0.5, share: 0.1 },
    ]);
  });

  it("When a bench's profile folder is summarised, then each process's main thread is listed and other threads are not", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cpu-profile-'));
    dirs.push(dir);
    mkdirSync(path.join(dir, 'catalog-worker'));
    writeFileSync(
      path.join(dir, 'catalog-worker', 'CPU.20261203.232044.17722.0.001.cpuprofile'),
      JSON.stringify(profile),
    );
    // A worker thread's profile (thread 1) beside it.
    writeFileSync(path.join(dir, 'catalog-worker', 'CPU.20261203.232046.17722.1.002.cpuprofile'), '{}');
    const text = summarizeProfiles(dir, 3);
    expect(text.split('\n')).toEqual([
      'catalog-worker (pid 17722): busy 0.0 s, idle 0.0 s',
      '   80.0 %     0.00 s  score domain/content.ts:10',
      '   10.0 %     0.00 s  (anonymous) src/app.ts:1',
      '   10.0 %     0.00 s  (garbage collector)',
    ]);
    const empty = mkdtempSync(path.join(os.tmpdir(), 'cpu-profile-'));
    dirs.push(empty);
    expect(summarizeProfiles(empty)).toBe(`no main-thread CPU profiles under ${empty}`);
  });
});
