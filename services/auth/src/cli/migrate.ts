import { runCli } from '@marquee/platform-service/cli';
import { authCliSchema } from '../config';
import { withAuthContext } from './cli-config';

await runCli({
  name: 'auth migrate',
  summary:
    'Creates the database when missing, applies migrations and ensures a signing key, without starting the server.',
  config: authCliSchema,
  run: ({ config, logger }) => withAuthContext(config, logger, async () => ({ migrated: true })),
});
