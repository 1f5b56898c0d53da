import {
  commonConfig,
  databaseConfig,
  kafkaConfig,
  natsConfig,
  redisConfig,
  type Static,
  Type,
} from '@marquee/platform-config';

/** The env every backend service reads; services extend it with their own keys. */
export const serviceConfig = {
  ...commonConfig,
  ...databaseConfig,
  ...kafkaConfig,
  ...redisConfig,
  ...natsConfig,
};
const baseSchema = Type.Object(serviceConfig);
export type ServiceConfig = Static<typeof baseSchema>;
