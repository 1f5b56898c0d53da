import { createLogger } from '@marquee/platform-logging';
import { describe, expect, it } from 'vitest';
import { runPeriodically } from './run-periodically';

function capturedLogger() {
  const lines: Array<{ msg: string; job?: string; err?: { message: string } }> = [];
  const logger = createLogger('test', 'info', { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runPeriodically', () => {
  it('When started, then the first round runs at once and the next one an interval after it ended', async () => {
    const { logger } = capturedLogger();
    const starts: number[] = [];
    const job = runPeriodically('ticker', 60, logger, async () => {
      starts.push(performance.now());
      await sleep(40);
    });
    await sleep(20);
    expect(starts).toHaveLength(1);
    await sleep(250);
    await job.stop();
    expect(starts.length).toBeGreaterThanOrEqual(2);
    // Rounds never overlap: each starts at least the round (40 ms) plus the interval (60 ms) after the previous.
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(95);
  });

  it('When told not to run immediately, then nothing runs before the first interval', async () => {
    const { logger } = capturedLogger();
    let rounds = 0;
    const job = runPeriodically('later', 150, logger, async () => void rounds++, { immediately: false });
    await sleep(60);
    expect(rounds).toBe(0);
    await sleep(160);
    expect(rounds).toBe(1);
    await job.stop();
  });

  it('When a round says there is more, then the next starts without waiting', async () => {
    const { logger } = capturedLogger();
    let left = 5;
    const job = runPeriodically('drain', 10_000, logger, async () => --left > 0);
    await sleep(50);
    expect(left).toBe(0);
    await job.stop();
  });

  it('When a round fails, then it is logged with the job name, counted, and the job goes on at the next interval', async () => {
    const { logger, lines } = capturedLogger();
    let rounds = 0;
    let counted = 0;
    const job = runPeriodically(
      'flaky',
      30,
      logger,
      async () => {
        rounds++;
        if (rounds === 1) throw new Error('database went away');
      },
      { onFailure: 'its work stays queued', failures: { inc: () => void counted++ } },
    );
    await sleep(120);
    await job.stop();
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(counted).toBe(1);
    const failed = lines.filter((l) => l.job === 'flaky');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.msg).toBe('flaky failed; its work stays queued');
    expect(failed[0]?.err?.message).toBe('database went away');
  });

  it('When stopped during a round, then stop waits for it and no round starts after', async () => {
    const { logger } = capturedLogger();
    let rounds = 0;
    let finished = false;
    const job = runPeriodically('slow', 10, logger, async () => {
      rounds++;
      await sleep(80);
      finished = true;
    });
    await sleep(20);
    await job.stop();
    expect(finished).toBe(true);
    const after = rounds;
    await sleep(60);
    expect(rounds).toBe(after);
    expect(rounds).toBe(1);
  });
});
