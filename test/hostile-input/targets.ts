/**
 * The services the hostile-input test drives, each started through its own start function. A new service
 * adds one line: its name and a function that starts it (against a JWKS from the test issuer) and says which
 * bearer token reaches past its auth checks.
 */
import { randomUUID } from 'node:crypto';
import type { TestIssuer } from '../../packages/platform-auth/src/index';
import type { HttpApp } from '../../packages/platform-http/src/index';
import { ensureAdmin } from '../../services/auth/src/accounts/create-admin';
import { newAccount, startTestAuth } from '../../services/auth/test/fixtures/auth-env';
import { runImport } from '../../services/catalog/src/jobs/run-import';
import { importSettings, startCatalog, writeSampleDataDir } from '../../services/catalog/test/helper';
import { startGateway, startUpstream } from '../../services/gateway/test/helpers';
import { startTestAnalytics } from '../../services/analytics/test/helper';
import { startTestInteraction } from '../../services/interaction/test/fixtures/interaction-env';
import { startTestNotification } from '../../services/notification/test/fixtures/notification-env';
import { startHarness } from '../../services/recommendation/test/helper';

export interface HostileTarget {
  app: HttpApp;
  /** An admin's access token for this service, so requests get past authentication to validation and handlers. */
  bearer: string;
  close(): Promise<void>;
}

/** A service that verifies tokens against a JWKS gets the test issuer's admin token. */
async function issuerAdmin(issuer: TestIssuer): Promise<string> {
  return issuer.sign({ sub: randomUUID(), role: 'admin' });
}

/** The one line for a service whose test helper starts it against a JWKS: `name: (i) => asAdmin(i, startX({ jwksUrl: i.jwksUrl }))`. */
export async function asAdmin(
  issuer: TestIssuer,
  started: Promise<{ app: HttpApp; close(): Promise<void> }>,
): Promise<HostileTarget> {
  const { app, close } = await started;
  return { app, bearer: await issuerAdmin(issuer), close };
}

/** Some movies, so that routes reach their handlers' queries rather than stopping at 404. */
async function startCatalogWithMovies(jwksUrl: string) {
  const catalog = await startCatalog({ jwksUrl });
  await runImport(
    catalog.deps.database,
    importSettings(catalog.config, await writeSampleDataDir(5)),
    catalog.deps.logger,
  );
  return catalog;
}

export const targets: Record<string, (issuer: TestIssuer) => Promise<HostileTarget>> = {
  auth: async () => {
    const auth = await startTestAuth('hostile');
    const admin = newAccount();
    await ensureAdmin(auth.ctx, admin);
    const login = await auth.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { login: admin.email, password: admin.password },
    });
    return { app: auth.app, bearer: login.json().accessToken, close: () => auth.stop() };
  },
  catalog: (issuer) => asAdmin(issuer, startCatalogWithMovies(issuer.jwksUrl)),
  interaction: async (issuer) => {
    // A real catalog behind it, so an id the projection has not seen gets the catalog's answer (404), not 503.
    const catalog = await startCatalogWithMovies(issuer.jwksUrl);
    const catalogUrl = await catalog.app.listen({ port: 0, host: '127.0.0.1' });
    const interaction = await startTestInteraction('hostile', {
      AUTH_JWKS_URL: issuer.jwksUrl,
      CATALOG_URL: catalogUrl,
    });
    await interaction.knowMovies([1, 2, 3]);
    return {
      app: interaction.app,
      bearer: await issuerAdmin(issuer),
      close: async () => {
        await interaction.stop();
        await catalog.close();
      },
    };
  },
  recommendation: (issuer) =>
    asAdmin(
      issuer,
      startHarness(issuer.jwksUrl).then((h) => ({ app: h.rec.app, close: () => h.close() })),
    ),
  notification: async (issuer) => {
    const notification = await startTestNotification('hostile', {
      AUTH_JWKS_URL: issuer.jwksUrl,
    });
    return { app: notification.app, bearer: await issuerAdmin(issuer), close: () => notification.stop() };
  },
  analytics: async (issuer) => {
    const analytics = await startTestAnalytics('hostile', { AUTH_JWKS_URL: issuer.jwksUrl });
    return { app: analytics.app, bearer: await issuerAdmin(issuer), close: () => analytics.stop() };
  },
  // The gateway's own operations (export, stream) in front of a stand-in upstream; the real services are driven above.
  gateway: async (issuer) => {
    const upstream = await startUpstream('auth');
    const gateway = await startGateway({
      AUTH_JWKS_URL: issuer.jwksUrl,
      AUTH_URL: upstream.url,
      CATALOG_URL: upstream.url,
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    return {
      app: gateway.app,
      bearer: await issuerAdmin(issuer),
      close: async () => {
        await gateway.close();
        await upstream.close();
      },
    };
  },
};
