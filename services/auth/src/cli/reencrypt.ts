import { intFlag, progressReporter, runCli } from '@marquee/platform-service/cli';
import { authCliSchema } from '../config';
import { withAuthContext } from './cli-config';

await runCli({
  name: 'auth reencrypt',
  summary: 'Re-encrypts PII and private signing keys still under another key than AUTH_ENCRYPTION_ACTIVE_KID.',
  options: { 'batch-size': { type: 'string', value: 'N', description: 'rows per transaction (default 500)' } },
  config: authCliSchema,
  async run({ args, config, logger }) {
    const batchSize = intFlag('batch-size', args['batch-size'], { min: 1, max: 100_000 }) ?? 500;
    const { reencryptAll } = await import('../accounts/reencrypt-users');
    return withAuthContext(config, logger, (ctx) => reencryptAll(ctx, batchSize, progressReporter('reencrypt users')));
  },
});
