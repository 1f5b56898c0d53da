// Re-encrypts PII and private signing keys under AUTH_ENCRYPTION_ACTIVE_KID. Usage: reencrypt [--batch-size 500]
import { reencryptAll } from '../accounts/reencrypt-users';
import { flag, runCommand } from './cli-config';

const batchSize = Number(flag('batch-size') ?? 500);
if (!Number.isInteger(batchSize) || batchSize < 1) {
  process.stderr.write('auth reencrypt: --batch-size must be a positive integer\n');
  process.exit(64);
}
await runCommand('reencrypt', (ctx) => reencryptAll(ctx, batchSize));
