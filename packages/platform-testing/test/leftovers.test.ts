import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testInfra, uniqueName } from '../src/isolation';
import { createTopicsWithLeaders } from '../src/kafka-topics';
import { dropPrefixedLeftovers } from '../src/leftovers';

let redis: Redis;
let kafka: Kafka;
beforeAll(() => {
  redis = new Redis(testInfra().redisUrl);
  kafka = new Kafka({ brokers: testInfra().kafkaBrokers, clientId: 'leftovers-test', logLevel: logLevel.NOTHING });
});
afterAll(() => redis?.disconnect());

/** A topic with a committed consumer group, and two Redis keys, under the prefix. */
async function leave(prefix: string) {
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsWithLeaders(admin, [`${prefix}.events.v1`]);
  await admin.setOffsets({
    groupId: `${prefix}.group`,
    topic: `${prefix}.events.v1`,
    partitions: [{ partition: 0, offset: '0' }],
  });
  await admin.disconnect();
  await redis.set(`${prefix}:list:1`, 'x', 'EX', 600);
  await redis.set(`${prefix}.rl:{user:2}`, 'y', 'EX', 600);
}

async function whatIsLeft(prefix: string) {
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
  await admin.disconnect();
  return { topics, groups, keys: (await redis.keys(`${prefix}*`)).sort() };
}

describe('dropPrefixedLeftovers', () => {
  it("When a run's topics, groups and keys are dropped by its prefix, then another run's under a longer name stay", async () => {
    const mine = uniqueName('left');
    const other = `${mine}x`; // starts with mine's name, but is not under mine's prefix with its separator
    await leave(mine);
    await leave(other);
    expect(
      await dropPrefixedLeftovers({
        prefix: `${mine}.`,
        kafkaBrokers: testInfra().kafkaBrokers,
        redisUrl: testInfra().redisUrl,
      }),
    ).toEqual([]);
    expect(await dropPrefixedLeftovers({ prefix: `${mine}:`, redisUrl: testInfra().redisUrl })).toEqual([]);
    const left = await whatIsLeft(mine);
    expect(left.topics).toEqual([`${other}.events.v1`]);
    expect(left.groups).toEqual([`${other}.group`]);
    expect(left.keys).toEqual([`${other}.rl:{user:2}`, `${other}:list:1`].sort());
    await dropPrefixedLeftovers({
      prefix: other,
      kafkaBrokers: testInfra().kafkaBrokers,
      redisUrl: testInfra().redisUrl,
    });
    expect(await whatIsLeft(mine)).toEqual({ topics: [], groups: [], keys: [] });
  });

  it('When the prefix is too short to be a run name, then it refuses', async () => {
    await expect(dropPrefixedLeftovers({ prefix: 'r', redisUrl: testInfra().redisUrl })).rejects.toThrow(
      /short prefix/,
    );
  });
});
