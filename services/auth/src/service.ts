import { Topics } from '@marquee/contracts';
import { publishJson, Subjects } from '@marquee/platform-bus';
import { readinessChecks, type RunningService, startService } from '@marquee/platform-service';
import { bootstrapAdmin } from './accounts/bootstrap-admin';
import { buildAuthApp } from './app';
import type { AuthConfig } from './config';
import { serveContactRequests } from './contact/answer-contact-requests';
import { startKnownGenresConsumer } from './consumers/known-genres-from-movies';
import { type AuthContext, createAuthContext } from './context';
import { migrationsFolder } from './db/open-auth-database';
import { serveGdprExport } from './gdpr/export-over-nats';
import { schedulePruneRefreshTokens } from './jobs/prune-refresh-tokens';
import { ensureSigningKey } from './keys/signing-keys';

export const authTopics = [Topics.authUser, Topics.catalogMovie];

export type RunningAuth = RunningService<AuthContext>;

/** Start order: deps (db, migrations, topics, redis, nats) → keys → bootstrap admin → workers → HTTP app → relay. */
export function startAuth(config: AuthConfig): Promise<RunningAuth> {
  return startService({
    name: 'auth',
    config,
    migrationsFolder,
    topics: authTopics,
    async build(deps) {
      const ctx = await createAuthContext(config, deps);
      const revokedSubject = `${config.NATS_SUBJECT_PREFIX}${Subjects.sessionsRevoked}`;
      ctx.announceRevoked = (revoked) => publishJson(deps.nats, revokedSubject, revoked);
      await ensureSigningKey(deps.database, ctx.cipher);
      await bootstrapAdmin(ctx, config);
      const consumer = await startKnownGenresConsumer(deps);
      const gdpr = serveGdprExport(deps.nats, ctx, config.NATS_SUBJECT_PREFIX);
      const contact = serveContactRequests(deps.nats, ctx, config.NATS_SUBJECT_PREFIX);
      const prune = schedulePruneRefreshTokens(deps.database, deps.logger);
      return {
        ctx,
        app: await buildAuthApp(ctx, deps.redis, config, readinessChecks(deps)),
        consumers: [consumer],
        closers: [
          { name: 'gdpr-export', close: async () => gdpr.unsubscribe() },
          { name: 'auth-contact', close: async () => contact.unsubscribe() },
          { name: 'prune-refresh-tokens', close: () => prune.stop() },
        ],
      };
    },
  });
}
