import { runCli } from '@marquee/platform-service';
import { authCliSchema } from '../config';
import { rotateSigningKey } from '../keys/signing-keys';
import { withAuthContext } from './cli-config';

await runCli({
  name: 'auth rotate-signing-key',
  summary:
    'Retires the signing key in use and creates a new one; the retired key stays in the JWKS for AUTH_RETIRED_KEY_PUBLISH_HOURS.',
  config: authCliSchema,
  run: ({ config, logger }) => withAuthContext(config, logger, (ctx) => rotateSigningKey(ctx.database, ctx.cipher)),
});
