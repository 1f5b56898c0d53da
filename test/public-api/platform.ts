/**
 * Every service in this process, each listening on 127.0.0.1:<random port>, and a real gateway in front
 * of them: the aggregated /openapi.json it serves is the public API document clients are generated from.
 */
import type { AddressInfo } from 'node:net';
import { startTestIssuer, type TestIssuer } from '../../packages/platform-auth/src/index';
import type { HttpApp } from '../../packages/platform-http/src/index';
import { startTestAnalytics } from '../../services/analytics/test/helper';
import { startTestAuth } from '../../services/auth/test/fixtures/auth-env';
import { runImport } from '../../services/catalog/src/jobs/run-import';
import { importSettings, startCatalog, writeSampleDataDir } from '../../services/catalog/test/helper';
import { type RunningGateway, startGateway } from '../../services/gateway/test/helpers';
import { startTestInteraction } from '../../services/interaction/test/fixtures/interaction-env';
import { startTestNotification } from '../../services/notification/test/fixtures/notification-env';
import { startHarness } from '../../services/recommendation/test/helper';

export interface PublicApi {
  gateway: RunningGateway;
  issuer: TestIssuer;
  close(): Promise<void>;
}

interface Started {
  app: HttpApp;
  stop(): Promise<void>;
}

async function listening(started: Started): Promise<{ url: string; stop(): Promise<void> }> {
  await started.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = started.app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, stop: started.stop };
}

/** Starts the six services (catalog with a few imported movies) and the gateway routing to them. */
export async function startPublicApi(label: string): Promise<PublicApi> {
  const issuer = await startTestIssuer();
  const jwks = { AUTH_JWKS_URL: issuer.jwksUrl };
  const starts: Record<string, () => Promise<Started>> = {
    AUTH_URL: async () => {
      const auth = await startTestAuth(`${label}_auth`);
      return { app: auth.app, stop: () => auth.stop() };
    },
    CATALOG_URL: async () => {
      const catalog = await startCatalog({ jwksUrl: issuer.jwksUrl });
      const data = await writeSampleDataDir(5);
      await runImport(catalog.deps.database, importSettings(catalog.config, data), catalog.deps.logger);
      return { app: catalog.app, stop: () => catalog.close() };
    },
    INTERACTION_URL: async () => {
      const interaction = await startTestInteraction(`${label}_interaction`, jwks);
      return { app: interaction.app, stop: () => interaction.stop() };
    },
    RECOMMENDATION_URL: async () => {
      const rec = await startHarness(issuer.jwksUrl);
      return { app: rec.rec.app, stop: () => rec.close() };
    },
    NOTIFICATION_URL: async () => {
      const notification = await startTestNotification(`${label}_notification`, jwks);
      return { app: notification.app, stop: () => notification.stop() };
    },
    ANALYTICS_URL: async () => {
      const analytics = await startTestAnalytics(`${label}_analytics`, jwks);
      return { app: analytics.app, stop: () => analytics.stop() };
    },
  };
  const running: { url: string; stop(): Promise<void> }[] = [];
  const urls: Record<string, string> = {};
  try {
    for (const [key, start] of Object.entries(starts)) {
      const service = await listening(await start());
      running.push(service);
      urls[key] = service.url;
    }
    const gateway = await startGateway({ ...urls, ...jwks, RATE_LIMIT_PER_MINUTE: '1000000' });
    return {
      gateway,
      issuer,
      async close() {
        await gateway.close();
        for (const s of running.reverse()) await s.stop().catch(() => {});
        await issuer.close();
      },
    };
  } catch (err) {
    for (const s of running.reverse()) await s.stop().catch(() => {});
    await issuer.close();
    throw err;
  }
}
