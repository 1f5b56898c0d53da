export { controlContainer, startKafkaContainer, waitUntilReady } from './containers';
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
export { runTsx, type TsxProcess } from './process';
export { natsUsersConfig, startNatsServer, type TestNatsServer } from './nats-server';
