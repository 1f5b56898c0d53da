/**
 * What a command adds to its one failure line when it could not reach a server: the variable that points at the
 * address that did not answer, so "connect ECONNREFUSED 127.0.0.1:9092" says it was KAFKA_BROKERS and what to start.
 * The variable's value is not printed: a database URL can carry a password.
 */

/** Error codes that mean nothing answered at the address (or the name did not resolve). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

interface NetError {
  code?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** Every host:port (or bare host, for a name that did not resolve) the error and its causes could not reach. */
export function unreachableAddresses(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 4) return [];
  const e = err as NetError;
  const found: string[] = [];
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  const messageCode = message.match(/\b(ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)\b/)?.[1];
  if ((code && UNREACHABLE.has(code)) || messageCode) {
    if (typeof e.address === 'string' && e.port !== undefined) found.push(`${e.address}:${String(e.port)}`);
    else if (typeof e.hostname === 'string') found.push(e.hostname);
    else {
      // kafkajs and others keep only the message: "connect ECONNREFUSED 127.0.0.1:9092", "getaddrinfo ENOTFOUND db".
      const at = message.match(/(?:ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN) (\S+)/)?.[1];
      if (at) found.push(at);
    }
  }
  found.push(...unreachableAddresses(e.cause, depth + 1));
  if (Array.isArray(e.errors)) for (const inner of e.errors) found.push(...unreachableAddresses(inner, depth + 1));
  return [...new Set(found)];
}

const DEFAULT_PORTS: Record<string, string> = {
  'postgres:': '5432',
  'postgresql:': '5432',
  'redis:': '6379',
  'rediss:': '6379',
  'nats:': '4222',
  'http:': '80',
  'https:': '443',
};

/**
 * Host and port of each server a configuration value names: a URL, or a comma-separated host:port list (a port
 * left out is its scheme's default, or "" where the scheme has none, as a bare broker list).
 */
export function endpointsOf(value: string): Array<{ host: string; port: string }> {
  // A URL is one server (a comma in it can be its password's); only a bare list is split.
  const parts = value.includes('://') ? [value] : value.split(',');
  return parts.flatMap((part) => {
    const text = part.trim();
    if (text === '') return [];
    try {
      const url = new URL(text.includes('://') ? text : `tcp://${text}`);
      if (!url.hostname) return [];
      return [{ host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (DEFAULT_PORTS[url.protocol] ?? '') }];
    } catch {
      return [];
    }
  });
}

/** localhost, 127.0.0.0/8 or ::1: a server there runs on this machine. */
const isThisMachine = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

const sameHost = (a: string, b: string) =>
  a === b || (['localhost', '127.0.0.1', '::1'].includes(a) && ['localhost', '127.0.0.1', '::1'].includes(b));

/**
 * " (DATABASE_URL: nothing answers at 127.0.0.1:5432; …)" for the variables of `config` that name an address the
 * error could not reach, or "" when it was no such error or no variable names it.
 */
export function unreachableHint(err: unknown, config: Record<string, unknown>): string {
  const addresses = unreachableAddresses(err);
  if (addresses.length === 0) return '';
  const named = new Map<string, string>();
  // A server on this machine is one to start; another host is one to check the address of, or the way to it.
  let local = false;
  for (const address of addresses) {
    const split = address.match(/^\[?(.*?)\]?(?::(\d+))?$/);
    const host = split?.[1] ?? address;
    const port = split?.[2];
    for (const [variable, value] of Object.entries(config)) {
      if (typeof value !== 'string' || named.has(variable)) continue;
      const hit = endpointsOf(value).some(
        (e) => sameHost(e.host, host) && (port === undefined || e.port === '' || e.port === port),
      );
      if (!hit) continue;
      named.set(variable, address);
      local ||= isThisMachine(host);
    }
  }
  if (named.size === 0) return '';
  const which = [...named].map(([variable, address]) => `${variable}: nothing answers at ${address}`).join('; ');
  const variable = named.size === 1 ? 'the variable' : 'the variables';
  if (!local) return ` (${which}; check the address and this machine's network, or set ${variable})`;
  const them = named.size === 1 ? 'it' : 'them';
  return ` (${which}; start ${them}, e.g. deploy/local/infra.sh start on this machine, or set ${variable})`;
}

/**
 * An error's message on one line. An AggregateError (each address of a name refused) has none of its own; a
 * drizzle "Failed query: <sql>\nparams: …" keeps the reason in its cause, which comes first.
 */
export function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  let text = err.message;
  if (!text && err instanceof AggregateError) text = (err.errors[0] as Error | undefined)?.message ?? '';
  const query = text.match(/^Failed query: ([^\n]*)/)?.[1];
  if (query !== undefined && err.cause instanceof Error) {
    const sql = query.length > 80 ? `${query.slice(0, 77)}...` : query;
    text = `${messageOf(err.cause)} (in: ${sql})`;
  }
  return (text || err.name).replace(/\s*\n\s*/g, ' ');
}
