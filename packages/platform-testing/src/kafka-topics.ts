import type { Admin } from 'kafkajs';

/**
 * Creates one-partition topics for a test and returns once each has a leader. kafkajs' own `waitForLeaders: true`
 * fails the call when KRaft briefly answers UNKNOWN_TOPIC_OR_PARTITION for a topic it has just created (seen in
 * CI: "This server does not host this topic-partition"), so the metadata is polled here instead, as
 * platform-events' ensureTopics does for the services (this package cannot import it: platform-events' tests
 * depend on this package).
 */
export async function createTopicsWithLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: false });
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    const ready = await admin.fetchTopicMetadata({ topics }).then(
      ({ topics: meta }) => meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)),
      (err: unknown) => {
        last = err;
        return false;
      },
    );
    if (ready) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `test topics have no leader after ${timeoutMs} ms: ${topics.join(', ')} (last error: ${String(last)})`,
  );
}
