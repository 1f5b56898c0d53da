import { Writable } from 'node:stream';
import { createLogger } from '@marquee/platform-logging';
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaLogCreator } from '../src/kafka';

/** The lines a logger wrote, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger('kafka-log-test', 'info', stream) };
}

const entry = (error: string) => ({
  namespace: 'Connection',
  label: 'ERROR',
  log: { timestamp: 'now', logger: 'kafkajs', message: 'Response InitProducerId(key: 22, version: 1)', error },
});

describe('kafkajs log lines', () => {
  it('When kafkajs logs an error response it retries by itself, then it is a warning marked retriable; any other stays an error', async () => {
    const { lines, logger } = capture();
    const log = kafkaLogCreator(logger)();
    log({
      level: logLevel.ERROR,
      ...entry("The coordinator is loading and hence can't process requests for this group"),
    });
    log({ level: logLevel.ERROR, ...entry('Not authorized to access topics: [Topic authorization failed]') });
    log({ level: logLevel.WARN, ...entry('The group is rebalancing, so a rejoin is needed') });
    log({ level: logLevel.INFO, ...entry('ignored below warn') });
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.level, l.retriable ?? false, l.error])).toEqual([
      ['warn', true, "The coordinator is loading and hence can't process requests for this group"],
      ['error', false, 'Not authorized to access topics: [Topic authorization failed]'],
      ['warn', false, 'The group is rebalancing, so a rejoin is needed'],
    ]);
    expect(lines.every((l) => l.msg === 'kafka: Response InitProducerId(key: 22, version: 1)')).toBe(true);
  });
});
