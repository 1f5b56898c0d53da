import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Static, type TObject } from '@marquee/platform-config';
import { createLogger, type Logger } from '@marquee/platform-logging';

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
  /** Lines after the options in --help (environment-only inputs, exit codes). */
  notes?: string[];
  /** The env it reads, checked before anything runs: each bad variable is named and it exits 78. */
  config: S;
  /** Its result, when not undefined, is printed as one JSON line on stdout. */
  run(input: { args: CliArgs<O>; config: Static<S>; logger: Logger }): Promise<unknown>;
}

/** A wrong flag value: the command prints it with its usage and exits 64 (EX_USAGE). */
export class UsageError extends Error {}

/** The command ran but did not succeed; exits with exitCode after printing message. */
export class CommandFailed extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

function usageLine<O extends Record<string, CliOption>>(cmd: CliCommand<TObject, O>): string {
  const flags = Object.entries(cmd.options ?? {}).map(
    ([name, o]) => `[--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}]${o.multiple ? '...' : ''}`,
  );
  return `usage: ${[cmd.name, ...flags].join(' ')}`;
}

function helpText<O extends Record<string, CliOption>>(cmd: CliCommand<TObject, O>): string {
  const rows = [
    ...Object.entries(cmd.options ?? {}).map(([name, o]) => [
      `--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`,
      o.description,
    ]),
    ['--help', 'print this and exit'],
  ];
  const width = Math.max(...rows.map(([flag]) => (flag as string).length));
  const env = Object.entries(cmd.config.properties).map(
    ([key, s]) => `  ${key}${s.default === undefined ? ' (required)' : ''}: ${s.description ?? ''}`,
  );
  return [
    usageLine(cmd),
    '',
    cmd.summary,
    '',
    'options:',
    ...rows.map(([flag, text]) => `  ${(flag as string).padEnd(width)}  ${text}`),
    ...(cmd.notes?.length ? ['', ...cmd.notes] : []),
    '',
    'environment:',
    ...env,
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
  try {
    const options = Object.fromEntries(
      Object.entries(cmd.options ?? {}).map(([name, o]) => [name, { type: o.type, multiple: o.multiple ?? false }]),
    );
    values = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, strict: true }).values;
  } catch (err) {
    exit(64, process.stderr, `${cmd.name}: ${(err as Error).message}\n${usageLine(cmd)} (--help for more)\n`);
  }
  if (values.help) exit(0, process.stdout, helpText(cmd));
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
  try {
    const { help: _help, ...args } = values;
    const result = await cmd.run({ args: args as CliArgs<O>, config, logger });
    if (result !== undefined) process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    if (err instanceof UsageError) exit(64, process.stderr, `${cmd.name}: ${err.message}\n${usageLine(cmd)}\n`);
    // The detail (stack, causes) goes to the log at debug; the user reads one line.
    logger.debug({ err }, `${cmd.name} failed`);
    exit(err instanceof CommandFailed ? err.exitCode : 1, process.stderr, `${cmd.name}: ${(err as Error).message}\n`);
  }
  process.exit(0);
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
