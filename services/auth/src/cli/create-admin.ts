import { Type } from '@marquee/platform-config';
import { CommandFailed, runCli, UsageError } from '@marquee/platform-service/cli';
import { authCliConfig } from '../config';
import { withAuthContext } from './cli-config';

await runCli({
  name: 'auth create-admin',
  summary: 'Creates an admin account; changes nothing and exits 1 when the email is taken.',
  options: {
    email: { type: 'string', value: 'email', description: 'email of the new admin (required)' },
    username: { type: 'string', value: 'name', description: 'login name (default: admin)' },
  },
  notes: ['The password is read from AUTH_NEW_ADMIN_PASSWORD, never from the command line.'],
  config: Type.Object({
    ...authCliConfig,
    AUTH_NEW_ADMIN_PASSWORD: Type.String({ default: '', description: 'Password of the new admin (required).' }),
  }),
  async run({ args, config, logger }) {
    const { email, username = 'admin' } = args;
    if (!email) throw new UsageError('--email is required');
    const password = config.AUTH_NEW_ADMIN_PASSWORD;
    if (!password) throw new UsageError('AUTH_NEW_ADMIN_PASSWORD must be set in the environment');
    const { ensureAdmin } = await import('../accounts/create-admin');
    const result = await withAuthContext(config, logger, (ctx) => ensureAdmin(ctx, { email, username, password }));
    if (!result.created)
      throw new CommandFailed(`an account with email ${email} already exists (${result.userId}); nothing changed`);
    return { created: true, userId: result.userId };
  },
});
