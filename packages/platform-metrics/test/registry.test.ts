import { describe, expect, it } from 'vitest';
import { counterOn, createMetricsRegistry, gaugeOn, parseExposition, type Registry, scrapedGauge } from '../src/index';

describe('a service registry', () => {
  it('When two parts of a service ask for the same counter, then they share one series set', async () => {
    const registry = createMetricsRegistry('demo');
    const a = counterOn(registry, { name: 'things_total', help: 'things', labelNames: ['kind'] });
    const b = counterOn(registry, { name: 'things_total', help: 'things', labelNames: ['kind'] });
    a.inc({ kind: 'x' });
    b.inc({ kind: 'x' }, 2);
    const things = parseExposition(await registry.metrics()).filter((s) => s.name === 'things_total');
    expect(things).toEqual([{ name: 'things_total', labels: { kind: 'x', service: 'demo' }, value: 3 }]);
  });

  it('When a name is taken by another kind of metric, then asking for it fails loudly', () => {
    const registry = createMetricsRegistry('demo');
    counterOn(registry, { name: 'taken', help: 'a counter' });
    expect(() => gaugeOn(registry, { name: 'taken', help: 'a gauge' })).toThrow('already registered as another kind');
  });

  it('When exposition text has escaped label values and comments, then parsing keeps the values and skips comments', () => {
    const text = [
      '# HELP x_total an x',
      '# TYPE x_total counter',
      'x_total{route="/v1/movies/:id",note="a \\"quoted\\" one"} 4',
      'plain 1.5e3',
      '',
    ].join('\n');
    expect(parseExposition(text)).toEqual([
      { name: 'x_total', labels: { route: '/v1/movies/:id', note: 'a "quoted" one' }, value: 4 },
      { name: 'plain', labels: {}, value: 1500 },
    ]);
  });
});

describe('scrapedGauge', () => {
  const scraped = async (registry: Registry, name: string) =>
    parseExposition(await registry.metrics()).find((s) => s.name === name)?.value;

  it('When scraped, then it reads the value; a failed or slow read leaves the last one without holding the scrape', async () => {
    const registry = createMetricsRegistry('test');
    let next: () => Promise<number> = async () => 7;
    scrapedGauge(registry, { name: 'queue_size', help: 'h', timeoutMs: 100, read: () => next() });
    expect(await scraped(registry, 'queue_size')).toBe(7);
    next = async () => {
      throw new Error('database went away');
    };
    expect(await scraped(registry, 'queue_size')).toBe(7);
    next = () => new Promise((r) => setTimeout(() => r(9), 1000));
    const started = performance.now();
    expect(await scraped(registry, 'queue_size')).toBe(7);
    expect(performance.now() - started).toBeLessThan(900);
  });

  it('When a newer gauge takes the name, then it reports, and forgetting the older one leaves it', async () => {
    const registry = createMetricsRegistry('test');
    const older = scrapedGauge(registry, { name: 'queue_size', help: 'h', timeoutMs: 100, read: async () => 1 });
    const newer = scrapedGauge(registry, { name: 'queue_size', help: 'h', timeoutMs: 100, read: async () => 2 });
    older.forget();
    expect(await scraped(registry, 'queue_size')).toBe(2);
    newer.forget();
    expect(await scraped(registry, 'queue_size')).toBeUndefined();
  });
});
