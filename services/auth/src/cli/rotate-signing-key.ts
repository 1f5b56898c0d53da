// Retires the signing key in use and creates a new one; the retired key stays in the JWKS for AUTH_RETIRED_KEY_PUBLISH_HOURS.
import { rotateSigningKey } from '../keys/signing-keys';
import { runCommand } from './cli-config';

await runCommand('rotate-signing-key', (ctx) => rotateSigningKey(ctx.database, ctx.cipher));
