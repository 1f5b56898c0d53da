import { runCli } from '@marquee/platform-service/cli';
import { authCliSchema } from '../config';
import { withAuthContext } from './cli-config';

await runCli({
  name: 'auth rotate-signing-key',
  summary:
    'Retires the signing key in use and creates a new one; the retired key stays in the JWKS for AUTH_RETIRED_KEY_PUBLISH_HOURS.',
  config: authCliSchema,
  run: async ({ config, logger }) => {
    const { rotateSigningKey } = await import('../keys/signing-keys');
    return withAuthContext(config, logger, (ctx) => rotateSigningKey(ctx.database, ctx.cipher));
  },
});
