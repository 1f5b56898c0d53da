export { answers, infraFromEnv, localInfra, repoRoot, type TestInfra } from './infra';
export { createTestDatabase, eventually, testInfra, uniqueName, uniqueTopicPrefix } from './isolation';
