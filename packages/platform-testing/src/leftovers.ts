import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';

/**
 * Drops what a test run or bench left on shared infrastructure under its name prefix: Kafka topics and consumer
 * groups, and Redis keys (lists cached for a day, rate-limit windows). PostgreSQL has its own (dropRun); containers
 * go as a whole. Without this every local run left its topics on the machine's broker (hundreds of partitions a day,
 * slowing it) and its keys in Redis. Best effort: returns what it could not drop, for the caller to say.
 */
export async function dropPrefixedLeftovers(opts: {
  prefix: string;
  kafkaBrokers?: string[];
  redisUrl?: string;
}): Promise<string[]> {
  const { prefix } = opts;
  if (prefix.length < 4) throw new Error(`refusing to drop leftovers under the short prefix "${prefix}"`);
  const problems: string[] = [];
  if (opts.kafkaBrokers?.length) {
    const admin = new Kafka({
      brokers: opts.kafkaBrokers,
      clientId: 'leftovers',
      logLevel: logLevel.NOTHING,
      // A broker that is gone is said in one line, not retried for half a minute.
      retry: { retries: 2 },
    }).admin();
    try {
      await admin.connect();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (topics.length > 0) await admin.deleteTopics({ topics });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {}); // a group with members stays
    } catch (err) {
      problems.push(`kafka: ${(err as Error).message}`);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
  if (opts.redisUrl) {
    const redis = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      // The prefix is literal: glob characters in it are escaped.
      const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
      for await (const keys of redis.scanStream({ match, count: 1000 }) as AsyncIterable<string[]>)
        if (keys.length > 0) await redis.unlink(...keys);
    } catch (err) {
      problems.push(`redis: ${(err as Error).message}`);
    } finally {
      redis.disconnect();
    }
  }
  return problems;
}
