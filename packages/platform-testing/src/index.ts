export { startKafkaContainer, startOwnContainer } from './containers';
export { controlContainer } from './docker';
export { answers, infraFromEnv, localInfra, repoRoot, type TestInfra } from './infra';
export { rowSecurityProblems } from './row-security';
export { type RunRoles, roleUrl, type TestRole } from './run-roles';
export {
  adminPool,
  createTestDatabase,
  dropDatabase,
  eventually,
  serviceTestEnv,
  testInfra,
  uniqueName,
  uniqueTopicPrefix,
} from './isolation';
export { natsUsersConfig, startNatsServer, type TestNatsServer } from './nats-server';
export { type OwnNats, startOwnNats } from './own-nats';
export { dropPrefixedLeftovers } from './leftovers';
export { createTopicsWithLeaders } from './kafka-topics';
export { interactionRecorded } from './interactions';
export { movieSnapshot } from './movies';
export { keepOutboxCopies } from './outbox-copies';
export { freePort } from './ports';
export { collectOutput, runTs, serviceReady, tracingRegister, type TsProcess } from './process';
export { waitUntilReady } from './readiness';
export { type TcpProxy, tcpProxy } from './tcp-proxy';
export { type UnreachableRedis, unreachableRedis } from './unreachable-redis';
