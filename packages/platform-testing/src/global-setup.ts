import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { infraFromEnv, localInfra, type TestInfra } from './infra';
import { dropPrefixedLeftovers } from './leftovers';
import { createRunRoles, dropRun, sweepDeadRuns } from './run-roles';

declare module 'vitest' {
  export interface ProvidedContext {
    infra: TestInfra;
  }
}

/**
 * Chooses the test run's infrastructure once: explicit URLs from env, the machine's own services
 * (MARQUEE_TEST_INFRA=local), or containers from locally built images (MARQUEE_TEST_INFRA=containers,
 * the README's test command). Containers are removed at the end, even when tests fail.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `r${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const mode = process.env.MARQUEE_TEST_INFRA ?? 'auto';
  const fromEnv = mode === 'auto' || mode === 'env' ? infraFromEnv() : undefined;
  let stop = async () => {};
  let found: Omit<TestInfra, 'roles'>;
  if (fromEnv) {
    found = { ...fromEnv, runId };
  } else if (mode === 'local' || mode === 'auto') {
    found = { ...(await localInfra()), runId };
  } else if (mode === 'containers') {
    const { startInfraContainers } = await import('./containers');
    const { sweepLeftoverContainers } = await import('./ownership');
    // Once per run, before starting: containers of crashed runs go, live runs' stay.
    await sweepLeftoverContainers();
    const started = await startInfraContainers({ label: runId });
    stop = started.stop;
    found = {
      mode: 'containers',
      runId,
      postgresAdminUrl: started.postgresAdminUrl,
      kafkaBrokers: started.kafkaBrokers,
      redisUrl: started.redisUrl,
      natsUrl: started.natsUrl,
      containers: started.containers,
    };
  } else {
    throw new Error(`MARQUEE_TEST_INFRA must be local, containers or env (got "${mode}")`);
  }
  let infra: TestInfra;
  try {
    await sweepDeadRuns(found.postgresAdminUrl);
    infra = { ...found, roles: await createRunRoles(found.postgresAdminUrl, runId) };
  } catch (err) {
    await stop();
    throw err;
  }
  process.stderr.write(
    `marquee tests: ${infra.mode} infrastructure (postgres ${new URL(infra.postgresAdminUrl).host}, kafka ${infra.kafkaBrokers.join(',')}, redis ${new URL(infra.redisUrl).host}, nats ${new URL(infra.natsUrl).host}); run ${runId}\n`,
  );
  project.provide('infra', infra);
  return async () => {
    await dropRun(infra.postgresAdminUrl, runId).catch((err) =>
      process.stderr.write(`marquee tests: could not drop run ${runId}'s databases and roles: ${err}\n`),
    );
    // On shared infrastructure (the machine's or the environment's) the run's topics and keys go too; every name a
    // test makes starts with the run id (isolation.ts).
    if (infra.mode !== 'containers') {
      const problems = await dropPrefixedLeftovers({
        prefix: runId,
        kafkaBrokers: infra.kafkaBrokers,
        redisUrl: infra.redisUrl,
      });
      for (const p of problems) process.stderr.write(`marquee tests: could not drop run ${runId}'s leftovers: ${p}\n`);
    }
    await stop();
  };
}
