import { describe, expect, it } from 'vitest';
import { runTracedFixture } from './fixtures/traced-process';

/** A traced process (exporting nowhere: only what it sends on is looked at) handling one request. */
function handle(
  sampler: string | undefined,
  caller?: string,
  roots = 0,
): { activeSpan: boolean; received: string; rootsSampled: number } {
  return runTracedFixture('propagation.ts', {
    OTEL_TRACES_EXPORTER: 'zipkin',
    OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9/api/v2/spans',
    ...(sampler ? { OTEL_TRACES_SAMPLER: sampler } : {}),
    OTEL_BSP_SCHEDULE_DELAY: '60000',
    CALLER_TRACEPARENT: caller ?? '',
    ROOT_REQUESTS: String(roots),
  });
}

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER = `00-${TRACE}-b7ad6b7169203331`;

describe('trace context of a request', () => {
  it('When the sampler keeps a request, then it runs in a span and its calls carry a sampled traceparent of the same trace from a client span', () => {
    const { activeSpan, received } = handle('parentbased_always_on', `${CALLER}-01`);
    expect(activeSpan).toBe(true);
    expect(received).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    expect(received).not.toContain('b7ad6b7169203331');
  });

  it('When the sampler drops a request, then it runs with no active span (queries and logs are not traced) and its calls still say "not sampled" to the next service', () => {
    const dropped = handle('parentbased_always_on', `${CALLER}-00`);
    expect(dropped.activeSpan).toBe(false);
    expect(dropped.received).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-00$`));

    const root = handle('always_off');
    expect(root.activeSpan).toBe(false);
    expect(root.received).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });

  it("When no sampler is configured, then a tenth of the traces that start here are kept, and a caller's decision is followed", () => {
    const sampled = handle(undefined, `${CALLER}-01`, 1_000);
    expect(sampled.activeSpan).toBe(true);
    expect(sampled.received).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    // 100 expected of 1,000 (binomial: standard deviation 9.5); every one kept would be the SDK's own default.
    expect(sampled.rootsSampled).toBeGreaterThan(50);
    expect(sampled.rootsSampled).toBeLessThan(150);
    expect(handle(undefined, `${CALLER}-00`).activeSpan).toBe(false);
  });
});
