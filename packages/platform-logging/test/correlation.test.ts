import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, currentCorrelation, withCorrelation } from '../src/index';

describe('correlation context', () => {
  it('When code runs inside withCorrelation, then nested async work sees the same ids', async () => {
    const seen = await withCorrelation({ correlationId: 'c-1', requestId: 'r-1' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return currentCorrelation();
    });
    expect(seen).toEqual({ correlationId: 'c-1', requestId: 'r-1' });
    expect(currentCorrelation()).toBeUndefined();
  });

  it('When a logger writes inside a correlation, then the line carries the correlation id', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk, _enc, cb) => {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger('test', 'info', sink);
    withCorrelation({ correlationId: 'abc', requestId: 'r9' }, () => logger.info({ password: 'x' }, 'hello'));
    const line = JSON.parse(lines[0] ?? '{}');
    expect(line).toMatchObject({ service: 'test', correlationId: 'abc', reqId: 'r9', msg: 'hello', level: 'info' });
    expect(line.password).toBe('[redacted]');
  });

  it('When a database error is logged, then its detail (row values) is redacted and its code kept', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk, _enc, cb) => {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger('test', 'info', sink);
    const err = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
      code: '23505',
      detail: 'Key (email)=(someone@example.com) already exists.',
    });
    logger.error({ err }, 'write failed');
    logger.warn({ job: { err } }, 'nested');
    expect(lines.join('')).not.toContain('someone@example.com');
    expect(JSON.parse(lines[0] ?? '{}').err).toMatchObject({ code: '23505', detail: '[redacted]' });
  });
});
