import { registerAuth } from '@marquee/platform-auth';
import type { Redis } from '@marquee/platform-cache';
import { createHttpApp, type HttpApp, type ReadinessCheck } from '@marquee/platform-http';
import type { AuthConfig } from './config';
import type { AuthContext } from './context';
import { registerAdminUserRoutes } from './routes/admin-users';
import { registerAuthRoutes } from './routes/auth';
import { registerJwksRoute } from './routes/jwks';
import { registerMeRoutes } from './routes/me';
import { LoginThrottle } from './sessions/login-throttle';
import { trustedProxies } from './trusted-proxies';

/** Builds the auth HTTP app (used by main and by tests). */
export async function buildAuthApp(
  ctx: AuthContext,
  redis: Redis,
  config: Pick<
    AuthConfig,
    | 'BODY_LIMIT_BYTES'
    | 'AUTH_REDIS_PREFIX'
    | 'AUTH_LOGIN_WINDOW_SECONDS'
    | 'AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT'
    | 'AUTH_LOGIN_MAX_FAILURES_PER_IP'
    | 'TRUSTED_PROXIES'
  >,
  readiness: Record<string, ReadinessCheck> = {},
): Promise<HttpApp> {
  const proxies = trustedProxies(config.TRUSTED_PROXIES, ctx.logger);
  const app = await createHttpApp({
    service: 'auth',
    logger: ctx.logger,
    metrics: ctx.metrics,
    readiness,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    trustProxy: proxies.trust,
    openapi: { title: 'Marquee auth', description: 'Accounts, sessions, profiles and signing keys' },
  });
  app.addHook('onClose', async () => proxies.stop());
  // Tokens and profiles must not be kept by a browser or proxy cache; the JWKS sets its own max-age.
  app.addHook('onSend', async (req, reply) => {
    if (req.url.startsWith('/v1/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  // Auth checks its own tokens against its key table: no HTTP call to itself.
  registerAuth(app, { keys: ctx.keys.resolveKey });
  const throttle = new LoginThrottle(
    redis,
    {
      windowSeconds: config.AUTH_LOGIN_WINDOW_SECONDS,
      maxPerAccount: config.AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxPerIp: config.AUTH_LOGIN_MAX_FAILURES_PER_IP,
    },
    `${config.AUTH_REDIS_PREFIX}login-failures`,
  );
  registerJwksRoute(app, ctx);
  registerAuthRoutes(app, ctx, throttle);
  registerMeRoutes(app, ctx, throttle);
  registerAdminUserRoutes(app, ctx);
  return app;
}
