import type { AuthConfig } from '../config';
import type { AuthContext } from '../context';
import { ensureAdmin } from './create-admin';

/** Creates the configured first admin at start when it is missing; a no-op when unconfigured. */
export async function bootstrapAdmin(
  ctx: AuthContext,
  config: Pick<
    AuthConfig,
    'AUTH_BOOTSTRAP_ADMIN_EMAIL' | 'AUTH_BOOTSTRAP_ADMIN_PASSWORD' | 'AUTH_BOOTSTRAP_ADMIN_USERNAME'
  >,
): Promise<void> {
  const email = config.AUTH_BOOTSTRAP_ADMIN_EMAIL;
  const password = config.AUTH_BOOTSTRAP_ADMIN_PASSWORD;
  if (!email && !password) return;
  if (!email || !password)
    throw new Error('AUTH_BOOTSTRAP_ADMIN_EMAIL and AUTH_BOOTSTRAP_ADMIN_PASSWORD must be set together');
  const result = await ensureAdmin(ctx, { email, password, username: config.AUTH_BOOTSTRAP_ADMIN_USERNAME });
  ctx.logger.info(
    { userId: result.userId, created: result.created },
    result.created ? 'bootstrap admin created' : 'bootstrap admin exists',
  );
}
