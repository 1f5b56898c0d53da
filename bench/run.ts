// `pnpm bench <name> [--help]` runs bench/<name>.ts; with no name it lists the benchmarks.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Type } from '@marquee/platform-config';
import { type CliOption, type CliPositional, CommandFailed, runCli, UsageError } from '@marquee/platform-service/cli';
import { ensureInfra, type InfraVariable, infraVariables } from './lib/infra';

interface Bench {
  summary: string;
  /** The environment it reads (sizes to shrink for a quick iteration; the committed run uses the defaults). */
  env?: Parameters<typeof Type.Object>[0];
  positionals?: CliPositional[];
  options?: Record<string, CliOption>;
}

/** The benches that can compare tracing on with off (the bench reads process.argv itself). */
const tracingOption: Record<string, CliOption> = {
  tracing: {
    type: 'boolean',
    description: 'instead: the same load with tracing off beside tracing on (a local Zipkin is started)',
  },
};

const count = (fallback: number, description: string) =>
  Type.Integer({ minimum: 1, default: fallback, description: `${description} (default ${fallback}).` });
const infra = {
  DATABASE_ADMIN_URL: Type.String({
    pattern: '^postgres(ql)?://',
    default: 'postgres://postgres@127.0.0.1:5432/postgres',
    description: 'A PostgreSQL superuser: the bench creates and drops its own databases.',
  }),
  KAFKA_BROKERS: Type.String({ default: '127.0.0.1:9092', description: 'Kafka bootstrap brokers.' }),
  REDIS_URL: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379', description: 'Redis URL.' }),
  NATS_URL: Type.String({ pattern: '^nats://', default: 'nats://127.0.0.1:4222', description: 'NATS URL.' }),
};
const dataDir = {
  MARQUEE_DATA_DIR: Type.String({ default: '', description: 'The bundled data (default ../shared/datasets).' }),
};

const BENCHES: Record<string, Bench> = {
  analytics: {
    summary:
      "Analytics consumer ingest into the partitioned log beside a plain batched insert, then every report's p99 over generated log rows.",
    env: {
      ...infra,
      BENCH_EVENTS: count(150_000, 'events ingested'),
      BENCH_RATE: count(10_000, "the gateway publisher's target rate, events/s"),
      BENCH_ROWS: count(5_000_000, 'log rows the reports run over'),
      BENCH_REQUESTS: count(200, 'requests per report'),
    },
  },
  'analytics-write-cost': {
    summary:
      "PostgreSQL backend CPU, WAL and Node CPU per event the analytics ingest writes for issue 11's stream (an interaction, a list of 50 impressions, its fold).",
    env: {
      DATABASE_ADMIN_URL: infra.DATABASE_ADMIN_URL,
      BENCH_ROWS: count(500_000, 'log rows already there'),
      BENCH_EVENTS: count(2000, 'events of each kind written'),
      BENCH_CHUNK: count(30, 'events per transaction'),
    },
  },
  catalog: {
    summary: 'Search, suggest and list p50/p99 at 10k and 50k movies; cached movie detail beside a bare Fastify route.',
    env: { ...infra, ...dataDir },
  },
  events: {
    summary: 'Outbox → relay → Kafka → consumer beside kafkajs producing straight to Kafka: throughput and latency.',
    options: tracingOption,
    env: {
      ...infra,
      BENCH_EVENTS: count(20_000, 'events per throughput run'),
      BENCH_RATE: count(2000, 'events/s of the latency run'),
      BENCH_RATE_SECONDS: count(10, 'seconds of the latency run'),
      BENCH_ROUNDS: count(3, 'throughput runs per path of --tracing, in rotating order'),
    },
  },
  gateway: {
    summary: 'An authenticated GET through the gateway beside the same route called directly.',
    options: {
      ...tracingOption,
      'tracing-breakdown': {
        type: 'boolean',
        description:
          'instead: the CPU per request with each tracing instrumentation left out in turn (a local Zipkin is started)',
      },
    },
    env: {
      ...infra,
      BENCH_SECONDS: count(10, 'seconds per measurement'),
      BENCH_CONNECTIONS: count(32, 'concurrent connections'),
      BENCH_RATE: count(1000, 'requests/s of the latency run'),
      BENCH_PAIRS: count(5, 'direct/gateway pairs at the fixed rate (odd)'),
      BENCH_BREAKDOWN_RATE: count(400, 'requests/s of each --tracing-breakdown variant'),
      BENCH_ROUNDS: count(5, 'rounds of the --tracing comparison'),
    },
  },
  interactions: {
    summary:
      'Sustained interaction ingest, direct and through the gateway, with every consumer of interaction.v1 running.',
    env: {
      ...infra,
      BENCH_SECONDS: count(15, 'seconds per measurement'),
      BENCH_CONNECTIONS: count(64, 'concurrent connections of the max runs'),
      BENCH_CONNECTIONS_HIGH: count(256, 'concurrent connections of the max runs done again (targets take the better)'),
      BENCH_RATE: count(1000, 'requests/s of the latency run'),
      BENCH_LEAD_IN_SECONDS: Type.Optional(
        Type.Integer({
          minimum: 0,
          description:
            "unmeasured seconds at the rate before each fixed-rate run, so it measures recommendation's list store at steady state (default: the store delay + 5)",
        }),
      ),
      BENCH_RECOMMENDATION_STORE_DELAY_MS: Type.Optional(
        Type.Integer({ minimum: 0, description: "recommendation's RECOMMENDATION_STORE_DELAY_MS (default: its own)" }),
      ),
      BENCH_RECOMMENDATION_FOLD_IN_INTERVAL_MS: Type.Optional(
        Type.Integer({
          minimum: 0,
          description:
            "recommendation's RECOMMENDATION_FOLD_IN_INTERVAL_MS (default: its own; 0 folds every chunk's users in)",
        }),
      ),
      BENCH_RECOMMENDATION_FOLD_IN_PACE_ABOVE: Type.Optional(
        Type.Integer({
          minimum: 0,
          description:
            "recommendation's RECOMMENDATION_FOLD_IN_PACE_ABOVE (default: its own; 0 paces whatever the rate)",
        }),
      ),
    },
  },
  metrics: {
    summary:
      'Outbox → relay → Kafka → consumer with no metrics registry beside the service registry scraped every second.',
    env: {
      ...infra,
      BENCH_EVENTS: count(10_000, 'events per round'),
      BENCH_ROUNDS: count(3, 'rounds of each variant, alternated'),
    },
  },
  notification: {
    summary: 'A weekly digest run into a local SMTP server beside raw nodemailer to the same server, with peak memory.',
    env: {
      ...infra,
      BENCH_USERS: count(100_000, 'users of the digest run'),
      BENCH_RAW_MESSAGES: count(20_000, 'messages of the raw nodemailer ceiling'),
    },
  },
  'recommendation-store-cost': {
    summary:
      'PostgreSQL CPU, WAL and full-page images per recommendation list stored, user_recommendations as migrated beside before migration 0006.',
    env: {
      DATABASE_ADMIN_URL: infra.DATABASE_ADMIN_URL,
      BENCH_USERS: count(2000, 'lists stored a round in each database'),
      BENCH_ROUNDS: count(6, 'rounds measured after the first (which only inserts)'),
      BENCH_CHURN: count(8, 'items that leave each list a round (the others move down as many ranks)'),
      BENCH_BATCH: count(200, 'lists per store transaction'),
    },
  },
  recommendation: {
    summary:
      "Training time (ml-latest-small, generated volume), serving beside a bare Redis route, freshness end to end through the gateway with the demo community loaded, and the content model's fold-in: whole histories beside kept scores.",
    env: {
      ...infra,
      ...dataDir,
      BENCH_RECOMMENDATION_FOLD_IN_PACE_ABOVE: Type.Optional(
        Type.Integer({
          minimum: 0,
          description:
            "freshness: recommendation's RECOMMENDATION_FOLD_IN_PACE_ABOVE (default: its own; 0 paces at every rate, so a second rating waits for the interval)",
        }),
      ),
      BENCH_PARTS: Type.String({
        default: 'training,serving,freshness,fold-in',
        pattern: '^(training|serving|freshness|fold-in)(,(training|serving|freshness|fold-in))*$',
        description: 'The parts to run, comma-separated (default all four).',
      }),
    },
    positionals: [{ name: 'fraction', description: 'the generated volume as a fraction of one year (default 1)' }],
  },
  'search-relevance': {
    summary: 'hit@1, hit@5 and MRR of search on generated misspelt titles beside plain trigram similarity; p50/p99.',
    env: {
      ...infra,
      ...dataDir,
      SEARCH_RELEVANCE_SEED: Type.Optional(
        Type.Integer({ description: 'another set of misspellings (default: the report seed).' }),
      ),
    },
  },
  suite: {
    summary: "The whole suite's wall time in container mode beside local mode (`./marquee test` twice, warm images).",
  },
};

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'machine.ts', 'zipkin.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''));
const name = process.argv[2];
if (!name || name === '--help' || !available.includes(name)) {
  const list = `usage: pnpm bench <name> [--help]\navailable: ${available.join(', ')}\n`;
  process.stderr.write(name && name !== '--help' ? `bench: unknown benchmark '${name}'\n${list}` : list);
  process.exit(name && name !== '--help' ? 64 : 0);
}
const bench = BENCHES[name];
if (!bench) throw new Error(`bench/run.ts has no description of bench/${name}.ts; add it to BENCHES`);

await runCli(
  {
    name: `bench ${name}`,
    summary: bench.summary,
    positionals: bench.positionals,
    options: bench.options,
    notes: ['Results go to bench/results/ (Markdown + JSON). Run under `flock /work/bench.lock` on a shared machine.'],
    config: Type.Object(bench.env ?? {}),
    async run({ positionals, config }) {
      const fraction = positionals[0];
      if (fraction !== undefined && !(Number(fraction) > 0 && Number.isFinite(Number(fraction))))
        throw new UsageError(`<fraction> must be a positive number, got "${fraction}"`);
      const urls = config as Partial<Record<InfraVariable, string>>;
      const infraEnv = Object.fromEntries(infraVariables.filter((v) => urls[v] !== undefined).map((v) => [v, urls[v]]));
      const down = await ensureInfra(name, infraEnv, (line) => process.stderr.write(`${line}\n`));
      if (down) throw new CommandFailed(down);
      // The benches read the variables from the environment: the defaults above are theirs too.
      Object.assign(process.env, infraEnv);
      await import(pathToFileURL(path.join(here, `${name}.ts`)).href);
      if (process.exitCode) throw new CommandFailed('the benchmark failed; see above', Number(process.exitCode));
    },
  },
  process.argv.slice(3),
);
