import { describe, expect, it } from 'vitest';
import { counterOn, createMetricsRegistry, gaugeOn, parseExposition } from '../src/index';

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
