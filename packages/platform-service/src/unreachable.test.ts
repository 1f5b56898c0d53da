import { describe, expect, it } from 'vitest';
import { endpointsOf, unreachableAddresses, unreachableHint } from './unreachable';

const refused = (address: string, port: number) =>
  Object.assign(new Error(`connect ECONNREFUSED ${address}:${port}`), { code: 'ECONNREFUSED', address, port });

const config = {
  DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:5432/marquee_catalog',
  KAFKA_BROKERS: 'kafka-a:9092,kafka-b:9093',
  REDIS_URL: 'redis://localhost',
  PORT: 3002,
};

describe('unreachableAddresses', () => {
  it('finds the address of a refused connection, of a failed lookup, of a message only, and inside causes and aggregates', () => {
    expect(unreachableAddresses(refused('127.0.0.1', 5432))).toEqual(['127.0.0.1:5432']);
    expect(
      unreachableAddresses(Object.assign(new Error('getaddrinfo ENOTFOUND db'), { code: 'ENOTFOUND', hostname: 'db' })),
    ).toEqual(['db']);
    // kafkajs keeps only the message, under its own error types.
    expect(unreachableAddresses(new Error('Connection error: connect ECONNREFUSED 10.0.0.7:9093'))).toEqual([
      '10.0.0.7:9093',
    ]);
    // Node tries each address of "localhost" and throws an AggregateError with an empty message.
    const both = new AggregateError([refused('::1', 6379), refused('127.0.0.1', 6379)], '');
    expect(unreachableAddresses(Object.assign(new Error('Redis failed'), { cause: both }))).toEqual([
      '::1:6379',
      '127.0.0.1:6379',
    ]);
  });

  it('finds nothing in other failures', () => {
    expect(unreachableAddresses(new Error('relation "movies" does not exist'))).toEqual([]);
    expect(unreachableAddresses('a string')).toEqual([]);
    expect(unreachableAddresses(undefined)).toEqual([]);
  });
});

describe('unreachableHint', () => {
  it('names the variable whose URL or broker list holds the address, without its value', () => {
    const hint = unreachableHint(refused('127.0.0.1', 5432), config);
    expect(hint).toBe(
      ' (DATABASE_URL: nothing answers at 127.0.0.1:5432; start it, e.g. deploy/local/infra.sh start on this machine, or set the variable)',
    );
    expect(hint).not.toContain('s3cret');
    // Another host is not one to start here.
    expect(unreachableHint(new Error('connect ECONNREFUSED kafka-b:9093'), config)).toBe(
      " (KAFKA_BROKERS: nothing answers at kafka-b:9093; check the address and this machine's network, or set the variable)",
    );
  });

  it('matches a URL without a port by its scheme default, and localhost by its addresses', () => {
    const both = new AggregateError([refused('::1', 6379), refused('127.0.0.1', 6379)], '');
    expect(unreachableHint(both, config)).toContain('REDIS_URL: nothing answers at ::1:6379;');
  });

  it('reads a URL whole, a comma in its password too, and a bare broker list host by host', () => {
    expect(endpointsOf('postgres://app:pa,ss@db.internal/marquee')).toEqual([{ host: 'db.internal', port: '5432' }]);
    expect(endpointsOf('kafka-a:9092, [::1]:9093,kafka-c')).toEqual([
      { host: 'kafka-a', port: '9092' },
      { host: '::1', port: '9093' },
      { host: 'kafka-c', port: '' },
    ]);
  });

  it('adds nothing when the address is in no variable or the error is not about reaching a server', () => {
    expect(unreachableHint(refused('10.9.9.9', 5432), config)).toBe('');
    expect(unreachableHint(refused('127.0.0.1', 5433), config)).toBe('');
    expect(unreachableHint(new Error('permission denied for table movies'), config)).toBe('');
  });
});
