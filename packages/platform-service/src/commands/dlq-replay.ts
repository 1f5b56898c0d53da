// `pnpm dlq-replay --group <consumer group>`: sends a consumer group's dead letters back to their topics.
import { commonConfig, kafkaConfig, Type } from '@marquee/platform-config';
import { runCli, UsageError } from '../cli';

// Every consumer group the platform runs (notification's is its CONSUMER_GROUP setting, 'notification' by default).
const GROUPS = ['auth', 'catalog', 'interaction', 'recommendation', 'notification', 'analytics', 'analytics-entities'];

await runCli({
  name: 'dlq-replay',
  summary:
    "Sends one consumer group's dead letters (<topic>.dlq) back to the topics they came from, so the group applies them again once what failed is fixed; every other group passes over the copies.",
  options: {
    group: {
      type: 'string',
      value: 'name',
      description: `the consumer group whose dead letters go back (${GROUPS.join(', ')})`,
    },
    topic: {
      type: 'string',
      multiple: true,
      value: 'topic',
      description: "only this source topic's DLQ (interaction.v1, ...); default: every contract topic's",
    },
    'dry-run': { type: 'boolean', description: 'list what would go back; send and mark nothing' },
  },
  notes: [
    'A second run sends back only what was dead-lettered since (the group <group>.dlq-replay keeps its place).',
    'A replayed event arrives after the events that followed it; its headers name the DLQ offset it came from.',
  ],
  config: Type.Object({
    LOG_LEVEL: commonConfig.LOG_LEVEL,
    KAFKA_BROKERS: kafkaConfig.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: kafkaConfig.KAFKA_TOPIC_PREFIX,
  }),
  async run({ args, config, logger }) {
    const group = args.group;
    if (!group) throw new UsageError('--group is required');
    if (!/^[\w.-]+$/.test(group))
      throw new UsageError(`--group is a consumer group name (letters, digits, . _ -), got '${group}'`);
    const { createKafka, replayDeadLetters } = await import('@marquee/platform-events');
    const settings = {
      brokers: config.KAFKA_BROKERS.split(','),
      clientId: 'dlq-replay',
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
    };
    const dryRun = args['dry-run'] === true;
    const result = await replayDeadLetters({
      kafka: createKafka(settings, logger),
      settings,
      logger,
      groupId: group,
      ...(args.topic ? { topics: args.topic } : {}),
      dryRun,
      onDeadLetter: (d) =>
        process.stderr.write(
          `${dryRun ? 'would replay' : 'replayed'} ${d.dlq}/${d.partition}/${d.offset} -> ${d.sourceTopic} (after ${d.attempts} attempts: ${d.reason.split('\n')[0]})\n`,
        ),
    });
    return { ...result, dryRun };
  },
});
