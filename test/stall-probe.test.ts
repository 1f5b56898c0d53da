import { describe, expect, it } from 'vitest';
import { stallCell, startStallProbe } from '../services/interaction/bench/stall-probe';

describe('the interactions bench stall probe', () => {
  it('When the probe is stopped for 150 ms while it runs, then it reports a wake-up at least 100 ms late', async () => {
    const probe = startStallProbe(1.5);
    expect(probe.pid).toBeGreaterThan(0);
    // Give it time to start its loop, then hold it as a host stopping the machine would.
    await new Promise((r) => setTimeout(r, 500));
    process.kill(probe.pid as number, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 150));
    process.kill(probe.pid as number, 'SIGCONT');
    const stalls = await probe.stalls;
    expect(stalls).toBeDefined();
    expect(Math.max(...(stalls?.late ?? [0]))).toBeGreaterThanOrEqual(100);
    expect(stallCell(stalls)).toMatch(/^[1-9]\d* \(max \d+\)/);
  });

  it('When it has no stall to report, or did not run, then the report cell says so', () => {
    expect(stallCell({ niced: true, late: [] })).toBe('0 (max < 20)');
    expect(stallCell({ niced: false, late: [30, 120] })).toBe('1 (max 120), at nice 0');
    expect(stallCell(undefined)).toBe('–');
  });
});
