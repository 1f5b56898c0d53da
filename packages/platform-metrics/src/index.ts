import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  type Metric,
  Registry,
} from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/**
 * The one registry of a service: /metrics serves it, and every part of the service (HTTP, consumers,
 * outbox relay, caches, its own code) adds its series to it. Every series carries `service`.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

// biome-ignore lint/suspicious/noExplicitAny: any metric class
function existing<M extends Metric>(registry: Registry, name: string, kind: new (...args: any[]) => M): M | undefined {
  const found = registry.getSingleMetric(name);
  if (!found) return undefined;
  if (!(found instanceof kind)) throw new Error(`metric ${name} is already registered as another kind`);
  return found;
}

/** The counter of that name on the registry, created on first use: several consumers of one service share it. */
export function counterOn<L extends string>(registry: Registry, config: CounterConfiguration<L>): Counter<L> {
  return existing<Counter<L>>(registry, config.name, Counter) ?? new Counter({ ...config, registers: [registry] });
}

/** The gauge of that name on the registry, created on first use. */
export function gaugeOn<L extends string>(registry: Registry, config: GaugeConfiguration<L>): Gauge<L> {
  return existing<Gauge<L>>(registry, config.name, Gauge) ?? new Gauge({ ...config, registers: [registry] });
}

/**
 * A gauge whose value is read when it is scraped (a count in a database, say). One read at a time serves the scrapes
 * that come during it; a read that fails or takes longer than timeoutMs leaves the last value, so a slow source never
 * holds the scrape. The newest gauge of a name on a registry reports (a restarted component replaces the old one);
 * forget() removes it, unless a newer one has taken its name.
 */
export function scrapedGauge(
  registry: Registry,
  config: { name: string; help: string; timeoutMs: number; read: () => Promise<number> },
): { forget(): void } {
  const { name, help, timeoutMs, read } = config;
  registry.removeSingleMetric(name);
  let last = 0;
  let reading: Promise<void> | undefined;
  const gauge = new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      reading ??= read()
        .then(
          (value) => {
            last = value;
          },
          () => {},
        )
        .finally(() => {
          reading = undefined;
        });
      await Promise.race([reading, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
      this.set(last);
    },
  });
  return {
    forget() {
      if (registry.getSingleMetric(name) === gauge) registry.removeSingleMetric(name);
    },
  };
}

/** The histogram of that name on the registry, created on first use. */
export function histogramOn<L extends string>(registry: Registry, config: HistogramConfiguration<L>): Histogram<L> {
  return (
    existing<Histogram<L>>(registry, config.name, Histogram) ?? new Histogram({ ...config, registers: [registry] })
  );
}

/** One sample of the exposition text, as a scraper reads it. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;

/** Parses Prometheus text exposition (what /metrics answers) into samples; comments are skipped. */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) {
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}
