import { createRequire } from 'node:module';
import type { Logger } from '@marquee/platform-logging';
import { DlqTopicConfig, TopicConfigs } from '@marquee/contracts';
import kafkajs, { type Admin, Kafka, type KafkaConfig, logLevel, Partitioners, type Producer } from 'kafkajs';

// Node finds only kafkajs' first few CommonJS exports by name (an ESM import of it by name fails), so destructure.
const { ConfigResourceTypes } = kafkajs;

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Prepended to every topic name, so test runs and tenants stay apart. */
  topicPrefix?: string;
}

export function physicalTopic(settings: Pick<KafkaSettings, 'topicPrefix'>, topic: string): string {
  return `${settings.topicPrefix ?? ''}${topic}`;
}

export function dlqTopic(physical: string): string {
  return `${physical}.dlq`;
}

/**
 * The messages of the Kafka protocol errors kafkajs retries by itself (a coordinator still loading after a broker
 * start, a leader moving): from kafkajs' own table, which 2.2.4, its last release, keeps at this path.
 */
let retriable: Set<string> | undefined;
function retriableMessages(): Set<string> {
  if (!retriable) {
    const { errorCodes } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
      errorCodes: { message: string; retriable: boolean }[];
    };
    retriable = new Set(errorCodes.filter((e) => e.retriable).map((e) => e.message));
  }
  return retriable;
}

/**
 * kafkajs' log lines into the service's logger. kafkajs logs every protocol error response at error, also the ones
 * it then retries (every fresh broker answers "The coordinator is loading" for a few seconds): those go at warn,
 * marked retriable, so an error line means a failure someone has to look at.
 */
export function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: { level: logLevel; log: { message: string; [k: string]: unknown } }) => {
      const { message, timestamp: _ts, logger: _l, ...rest } = log;
      if (level === logLevel.ERROR) {
        if (typeof rest.error === 'string' && retriableMessages().has(rest.error))
          logger.warn({ ...rest, retriable: true }, `kafka: ${message}`);
        else logger.error(rest, `kafka: ${message}`);
      } else if (level === logLevel.WARN) logger.warn(rest, `kafka: ${message}`);
    };
}

export function createKafka(settings: KafkaSettings, logger: Logger, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    retry: { initialRetryTime: 100, retries: 8 },
    ...extra,
  });
}

/** An idempotent producer with Java-compatible key hashing, so a key always lands on one partition. */
export async function connectProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    idempotent: true,
    // Idempotence needs unbounded retries; callers (the relay) bound their own waits.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 5000 },
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return producer;
}

function onlyAlreadyExists(err: unknown): boolean {
  const errors = (err as { errors?: { type?: string }[] }).errors;
  if (Array.isArray(errors) && errors.length > 0) return errors.every((e) => e.type === 'TOPIC_ALREADY_EXISTS');
  return (err as { type?: string }).type === 'TOPIC_ALREADY_EXISTS';
}

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics have no leader after ${timeoutMs} ms: ${topics.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Alters topics created before their contract had settings (or with other values) to the contract's settings. */
async function alignTopicConfigs(admin: Admin, topics: [string, Readonly<Record<string, string>>][]): Promise<void> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map(([name, config]) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configNames: Object.keys(config),
    })),
  });
  const current = new Map(
    resources.map((r) => [r.resourceName, new Map(r.configEntries.map((e) => [e.configName, e.configValue]))]),
  );
  const differing = topics.filter(([name, config]) =>
    Object.entries(config).some(([key, value]) => current.get(name)?.get(key) !== value),
  );
  if (differing.length === 0) return;
  // alterConfigs replaces a topic's overrides with exactly these: the contract owns them.
  await admin.alterConfigs({
    validateOnly: false,
    resources: differing.map(([name, config]) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configEntries: Object.entries(config).map(([key, value]) => ({ name: key, value })),
    })),
  });
}

/**
 * Creates each topic and its DLQ when missing, and gives each topic its contract's settings (TopicConfigs, by
 * logical name; every DLQ DlqTopicConfig's bounded retention) whether it is new or was created before those
 * settings existed. Safe to call on every start and
 * from several replicas.
 */
export async function ensureTopics(
  kafka: Kafka,
  settings: Pick<KafkaSettings, 'topicPrefix'>,
  topics: string[],
  partitions = 3,
  configs: Readonly<Record<string, Readonly<Record<string, string>> | undefined>> = TopicConfigs,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const configOf = new Map(
      topics.flatMap((t) => [
        [physicalTopic(settings, t), configs[t]] as const,
        [dlqTopic(physicalTopic(settings, t)), DlqTopicConfig] as const,
      ]),
    );
    const wanted = topics.flatMap((t) => {
      const p = physicalTopic(settings, t);
      return [p, dlqTopic(p)];
    });
    const missing = [...new Set(wanted)].filter((t) => !existing.has(t));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          // kafkajs' own leader wait fails on KRaft's brief UNKNOWN_TOPIC_OR_PARTITION; we poll below.
          waitForLeaders: false,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: topic.endsWith('.dlq') ? 1 : partitions,
            replicationFactor: 1,
            configEntries: Object.entries(configOf.get(topic) ?? {}).map(([name, value]) => ({ name, value })),
          })),
        });
      } catch (err) {
        // Two services starting together race to create a shared topic; losing that race is fine.
        if (!onlyAlreadyExists(err)) throw err;
      }
      await waitForLeaders(admin, missing);
    }
    // New topics too: one auto-created by a client between listTopics and createTopics has Kafka's defaults.
    const configured = [...configOf].flatMap(([topic, config]) =>
      config ? [[topic, config] as [string, Readonly<Record<string, string>>]] : [],
    );
    if (configured.length > 0) await alignTopicConfigs(admin, configured);
  } finally {
    await admin.disconnect();
  }
}
