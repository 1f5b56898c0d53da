import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Static, type TObject } from '@marquee/platform-config';
import { createLogger, type Logger } from '@marquee/platform-logging';
import { messageOf, unreachableHint } from './unreachable';

export interface CliOption {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** Placeholder shown in the usage: `--batch-size <N>`. */
  value?: string;
  description: string;
}

type OptionValue<O extends CliOption> = O['type'] extends 'boolean'
  ? boolean
  : O['multiple'] extends true
    ? string[]
    : string;
export type CliArgs<O extends Record<string, CliOption>> = { [K in keyof O]?: OptionValue<O[K]> };

export interface CliCommand<S extends TObject, O extends Record<string, CliOption>> {
  /** As a user types it: `catalog sync`. */
  name: string;
  /** One line: what it does. */
  summary: string;
  options?: O;
  /** Arguments without a flag, in order (`evaluate <ratings>`); without this, any is a usage error (64). */
  positionals?: CliPositional[];
  /** Lines after the options in --help (environment-only inputs, exit codes). */
  notes?: string[];
  /** The env it reads, checked before anything runs: each bad variable is named and it exits 78. */
  config: S;
  /** Its result, when not undefined, is printed as one JSON line on stdout. */
  run(input: { args: CliArgs<O>; positionals: string[]; config: Static<S>; logger: Logger }): Promise<unknown>;
}

export interface CliPositional {
  name: string;
  description: string;
  required?: boolean;
}

/** A wrong flag value: the command prints it with its usage and exits 64 (EX_USAGE). */
export class UsageError extends Error {}

/** The command ran but did not succeed; exits with exitCode after printing message. */
export class CommandFailed extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

function usageLine<O extends Record<string, CliOption>>(cmd: CliCommand<TObject, O>): string {
  const flags = Object.entries(cmd.options ?? {}).map(
    ([name, o]) => `[--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}]${o.multiple ? '...' : ''}`,
  );
  const positionals = (cmd.positionals ?? []).map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`));
  return `usage: ${[cmd.name, ...positionals, ...flags].join(' ')}`;
}

function helpText<O extends Record<string, CliOption>>(cmd: CliCommand<TObject, O>): string {
  const rows = [
    ...(cmd.positionals ?? []).map((p) => [`<${p.name}>`, p.description]),
    ...Object.entries(cmd.options ?? {}).map(([name, o]) => [
      `--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`,
      o.description,
    ]),
    ['--help', 'print this and exit'],
  ];
  const width = Math.max(...rows.map(([flag]) => (flag as string).length));
  // Required: in the schema's required list (Type.Optional leaves a key out of it) with no default to fall back on.
  const required = new Set<string>(cmd.config.required ?? []);
  const env = Object.entries(cmd.config.properties).map(
    ([key, s]) =>
      `  ${key}${s.default === undefined && required.has(key) ? ' (required)' : ''}: ${s.description ?? ''}`,
  );
  return [
    usageLine(cmd),
    '',
    cmd.summary,
    '',
    'options:',
    ...rows.map(([flag, text]) => `  ${(flag as string).padEnd(width)}  ${text}`),
    ...(cmd.notes?.length ? ['', ...cmd.notes] : []),
    ...(env.length ? ['', 'environment:', ...env] : []),
    '',
  ].join('\n');
}

function exit(code: number, stream: NodeJS.WriteStream, text: string): never {
  stream.write(text);
  process.exit(code);
}

/**
 * Runs one command: flags (an unknown one exits 64 naming it), --help (prints usage and does nothing
 * else), config (exit 78 naming each bad variable), then run; a failure prints one line and exits 1.
 */
export async function runCli<S extends TObject, O extends Record<string, CliOption>>(
  cmd: CliCommand<S, O>,
  argv = process.argv.slice(2),
): Promise<never> {
  let values: Record<string, unknown>;
  let positionals: string[];
  // `pnpm <script> -- --flag` hands the separator on; it marks nothing here.
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  function usage(message: string): never {
    exit(64, process.stderr, `${cmd.name}: ${message}\n${usageLine(cmd)} (--help for more)\n`);
  }
  try {
    const options = Object.fromEntries(
      Object.entries(cmd.options ?? {}).map(([name, o]) => [name, { type: o.type, multiple: o.multiple ?? false }]),
    );
    ({ values, positionals } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    }));
  } catch (err) {
    usage((err as Error).message);
  }
  if (values.help) exit(0, process.stdout, helpText(cmd));
  const expected = cmd.positionals ?? [];
  if (positionals.length > expected.length) usage(`unexpected argument '${positionals[expected.length]}'`);
  const missing = expected.slice(positionals.length).find((p) => p.required);
  if (missing) usage(`<${missing.name}> is required`);
  let config: Static<S>;
  try {
    config = loadConfig(cmd.name, cmd.config);
  } catch (err) {
    if (err instanceof ConfigError) exit(78, process.stderr, `${err.message}\n`);
    throw err;
  }
  const level = (config as { LOG_LEVEL?: string }).LOG_LEVEL;
  // Logs go to stderr: stdout carries only the command's result.
  const logger = createLogger(cmd.name.replaceAll(' ', '-'), level, process.stderr);
  // Work the command left running (a timer, a promise nobody awaited) fails it too, in one line.
  const crash = (kind: string) => (err: unknown) => {
    logger.debug({ err }, `${cmd.name}: ${kind}`);
    exit(1, process.stderr, `${cmd.name}: ${kind}: ${messageOf(err)}${unreachableHint(err, config)}\n`);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));
  try {
    const { help: _help, ...flags } = values;
    const result = await cmd.run({ args: flags as CliArgs<O>, positionals, config, logger });
    if (result !== undefined) process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    if (err instanceof UsageError) exit(64, process.stderr, `${cmd.name}: ${err.message}\n${usageLine(cmd)}\n`);
    // The detail (stack, causes) goes to the log at debug; the user reads one line.
    logger.debug({ err }, `${cmd.name} failed`);
    // A server that did not answer is named by the variable pointing at it (its value, maybe with a password, is not).
    const hint = unreachableHint(err, config);
    exit(err instanceof CommandFailed ? err.exitCode : 1, process.stderr, `${cmd.name}: ${messageOf(err)}${hint}\n`);
  }
  process.exit(0);
}

/**
 * Progress of a long job on stderr: a bar on a terminal, a line per 10 % otherwise (CI logs, pipes).
 * stdout stays for the result.
 */
export function progressReporter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): (done: number, total: number) => void {
  let lastDecile = -1;
  return (done, total) => {
    const ratio = total === 0 ? 1 : Math.min(done / total, 1);
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      stream.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done >= total ? '\n' : ''}`,
      );
      return;
    }
    const decile = Math.floor(ratio * 10);
    if (decile !== lastDecile || done >= total) {
      lastDecile = decile;
      stream.write(`${label}: ${done}/${total} (${Math.round(ratio * 100)}%)\n`);
    }
  };
}

/** A flag given as a whole number within [min, max], or the default. */
export function intFlag(
  name: string,
  value: string | undefined,
  range: { min: number; max: number },
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < range.min || Number(value) > range.max) {
    throw new UsageError(`--${name} must be a whole number from ${range.min} to ${range.max}, got "${value}"`);
  }
  return Number(value);
}
