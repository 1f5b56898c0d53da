import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';

export type { Logger };

export interface CorrelationContext {
  correlationId: string;
  requestId?: string;
  /** Id of the event being handled, so events it causes can name it as their cause. */
  causationId?: string;
  userId?: string;
}

const store = new AsyncLocalStorage<CorrelationContext>();

/** Runs fn with a correlation context that every log line and published event inside it picks up. */
export function withCorrelation<T>(ctx: CorrelationContext, fn: () => T): T {
  return store.run(ctx, fn);
}

export function currentCorrelation(): CorrelationContext | undefined {
  return store.getStore();
}

export function newCorrelationId(): string {
  return randomUUID();
}

export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        'password',
        'token',
        'refreshToken',
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.token',
        '*.refreshToken',
        // PostgreSQL puts row values in an error's detail ("Failing row contains (…)", "Key (…)=(…)"): user ids,
        // addresses, emails. The code, message and constraint name say what failed without them.
        'err.detail',
        'error.detail',
        '*.err.detail',
      ],
      censor: '[redacted]',
    },
    mixin() {
      const ctx = store.getStore();
      return ctx ? { correlationId: ctx.correlationId, ...(ctx.requestId ? { reqId: ctx.requestId } : {}) } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
