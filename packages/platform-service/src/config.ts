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

/**
 * For a service whose process can be split in two: the API serving requests, and a worker running its consumers and
 * jobs at a lower CPU priority, so that on a shared machine requests come before derived views (src/role.ts).
 */
export const roleConfig = {
  SERVICE_ROLE: Type.Union([Type.Literal('all'), Type.Literal('api'), Type.Literal('worker')], {
    default: 'all',
    description:
      'all: one process serves the API and runs the consumers and jobs; api: the API only (no consumers, no scheduled jobs); worker: the consumers and jobs only (HTTP answers /health and /metrics), at WORKER_NICE.',
  }),
  WORKER_NICE: Type.Integer({
    minimum: 0,
    maximum: 19,
    default: 10,
    description:
      'SERVICE_ROLE=worker: the nice value the process gives itself at start (0 keeps its priority), and that of its session when it leads one (./marquee up: Linux autogroups share the CPU between sessions before nice counts); in containers, which nice cannot order against each other, give the worker a lower CPU weight instead (cpu_shares).',
  }),
};
const roleSchema = Type.Object(roleConfig);
export type RoleConfig = Static<typeof roleSchema>;
