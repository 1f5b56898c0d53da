import { Topics } from '@marquee/contracts';
import { publishJson, Subjects, type Subscription } from '@marquee/platform-bus';
import type { EventConsumer, OutboxRelay } from '@marquee/platform-events';
import type { HttpApp } from '@marquee/platform-http';
import {
  closeAll,
  closers,
  openServiceDeps,
  readinessChecks,
  type ServiceDeps,
  startRelay,
} from '@marquee/platform-service';
import { bootstrapAdmin } from './accounts/bootstrap-admin';
import { buildAuthApp } from './app';
import type { AuthConfig } from './config';
import { serveContactRequests } from './contact/answer-contact-requests';
import { startKnownGenresConsumer } from './consumers/known-genres-from-movies';
import { type AuthContext, createAuthContext } from './context';
import { serveGdprExport } from './gdpr/export-over-nats';
import { migrationsFolder } from './db/open-auth-database';
import { schedulePruneRefreshTokens } from './jobs/prune-refresh-tokens';
import { ensureSigningKey } from './keys/signing-keys';

export const authTopics = [Topics.authUser, Topics.catalogMovie];

/** Dependencies and use-case context for the service. */
async function openAuth(config: AuthConfig): Promise<{ deps: ServiceDeps; ctx: AuthContext }> {
  const deps = await openServiceDeps('auth', config, { migrationsFolder, topics: authTopics });
  const ctx = await createAuthContext(config, deps);
  const revokedSubject = `${config.NATS_SUBJECT_PREFIX}${Subjects.sessionsRevoked}`;
  ctx.announceRevoked = (revoked) => publishJson(deps.nats, revokedSubject, revoked);
  await ensureSigningKey(deps.database, ctx.cipher);
  return { deps, ctx };
}

export interface RunningAuth {
  deps: ServiceDeps;
  ctx: AuthContext;
  app: HttpApp;
  relay: OutboxRelay;
  consumer: EventConsumer;
  gdpr: Subscription;
  contact: Subscription;
  /** Stops scheduled jobs (refresh-token pruning); main calls it first on SIGTERM. */
  stopJobs(): Promise<void>;
  close(): Promise<void>;
}

/** Start order: deps (db, migrations, topics, redis, nats) → keys → bootstrap admin → workers → HTTP app. */
export async function startAuth(config: AuthConfig): Promise<RunningAuth> {
  const { deps, ctx } = await openAuth(config);
  try {
    await bootstrapAdmin(ctx, config);
    const relay = await startRelay(deps);
    const consumer = await startKnownGenresConsumer(deps);
    const gdpr = serveGdprExport(deps.nats, ctx, config.NATS_SUBJECT_PREFIX);
    const contact = serveContactRequests(deps.nats, ctx, config.NATS_SUBJECT_PREFIX);
    const prune = schedulePruneRefreshTokens(deps.database, deps.logger);
    const app = await buildAuthApp(ctx, deps.redis, config, readinessChecks(deps));
    return {
      deps,
      ctx,
      app,
      relay,
      consumer,
      gdpr,
      contact,
      stopJobs: () => prune.stop(),
      async close() {
        await app.close();
        gdpr.unsubscribe();
        contact.unsubscribe();
        await prune.stop();
        await closeAll(closers(deps, { relay, consumers: [consumer] }));
      },
    };
  } catch (err) {
    await closeAll(closers(deps));
    throw err;
  }
}
