import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export { Type };
export type { Static, TObject };

/** One problem per variable, so a single start-up failure names every bad key at once. */
export interface ConfigProblem {
  variable: string;
  reason: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG.INVALID';
  readonly service: string;
  readonly problems: ConfigProblem[];
  constructor(service: string, problems: ConfigProblem[]) {
    super(`${service}: invalid configuration\n${problems.map((p) => `  ${p.variable}: ${p.reason}`).join('\n')}`);
    this.service = service;
    this.problems = problems;
  }
}

/** Keys shared by every service. Each key's description is its documentation. */
export const commonConfig = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
    description: 'Runtime mode; production turns off pretty logs.',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level.' },
  ),
  HOST: Type.String({ default: '0.0.0.0', description: 'Interface the HTTP server binds.' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'How long graceful shutdown may take before the process exits anyway.',
  }),
};

export const databaseConfig = {
  DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://',
    description:
      "PostgreSQL URL of this service's own database as its application role (no superuser, no BYPASSRLS): requests, consumers, jobs.",
  }),
  DATABASE_OWNER_URL: Type.String({
    pattern: '^$|^postgres(ql)?://',
    default: '',
    description:
      'The same database as its owner role, which runs migrations and owns the tables; empty: DATABASE_URL does both (one role, no row-level security).',
  }),
};

export const kafkaConfig = {
  KAFKA_BROKERS: Type.String({
    pattern: '^[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*$',
    description: 'Comma-separated Kafka bootstrap brokers, host:port.',
  }),
  KAFKA_TOPIC_PREFIX: Type.String({
    default: '',
    description: 'Prefix for every topic name (tests isolate themselves with it).',
  }),
  KAFKA_PARTITIONS: Type.Integer({
    minimum: 1,
    default: 3,
    description: 'Partitions of the topics this service creates (their DLQs get one).',
  }),
};

export const redisConfig = {
  REDIS_URL: Type.String({ pattern: '^rediss?://', description: 'Redis URL.' }),
};

export const natsConfig = {
  NATS_URL: Type.String({ pattern: '^(nats|tls)://', description: 'NATS server URL.' }),
};

const SECRET_NAME = /KEY|SECRET|PASSWORD|TOKEN|CREDENTIAL/i;

/** A value as an error may show it: secrets by length only, URLs without their password. */
function shown(variable: string, value: unknown): string {
  const text = String(value);
  if (SECRET_NAME.test(variable)) return `(hidden, ${text.length} characters)`;
  return JSON.stringify(text.replace(/(\/\/[^/:@\s]*):[^@/\s]*@/g, '$1:***@'));
}

function describeError(variable: string, schema: TSchema | undefined, value: unknown, message: string): string {
  if (value === undefined) return 'is required but not set';
  const extra = schema?.description ? ` (${schema.description})` : '';
  return `${shown(variable, value)} ${message}${extra}`;
}

/**
 * Reads, converts and checks environment variables against a schema.
 * Throws ConfigError listing every missing or invalid variable.
 */
export function loadConfig<T extends TObject>(
  service: string,
  schema: T,
  env: Record<string, string | undefined> = process.env,
): Static<T> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const v = env[key];
    if (v !== undefined && v !== '') raw[key] = v;
    else if (v === '' && schema.properties[key]?.default === '') raw[key] = '';
  }
  const withDefaults = Value.Default(schema, Value.Convert(schema, raw)) as Record<string, unknown>;
  const problems = new Map<string, string>();
  for (const err of Value.Errors(schema, withDefaults)) {
    const key = err.path.split('/')[1] ?? err.path;
    if (problems.has(key)) continue;
    problems.set(key, describeError(key, schema.properties[key], raw[key], err.message.toLowerCase()));
  }
  if (problems.size > 0) {
    throw new ConfigError(
      service,
      [...problems].map(([variable, reason]) => ({ variable, reason })),
    );
  }
  return withDefaults as Static<T>;
}

/** loadConfig for a process entry point: prints every problem and exits with status 78 (EX_CONFIG). */
export function loadConfigOrExit<T extends TObject>(service: string, schema: T): Static<T> {
  try {
    return loadConfig(service, schema);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

/** Markdown table of a schema's keys, for service READMEs and `--help-config`. */
export function describeConfig(schema: TObject): string {
  const rows = Object.entries(schema.properties).map(([key, s]) => {
    const def = s.default === undefined ? 'required' : `\`${JSON.stringify(s.default)}\``;
    return `| \`${key}\` | ${def} | ${s.description ?? ''} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
