import { AppError } from '@marquee/platform-http';
import { loadConfigOrExit } from '@marquee/platform-config';
import { serve } from '@marquee/platform-service';
import { authSchema } from './config';
import { startAuth } from './service';

const config = loadConfigOrExit('auth', authSchema);
const auth = await startAuth(config).catch((err: unknown) => {
  // A bad bootstrap admin (e.g. weak password) is a configuration error: say which rule, exit 78.
  if (err instanceof AppError) {
    process.stderr.write(`auth: cannot start: ${err.message}\n`);
    process.exit(78);
  }
  throw err;
});
// Registered before serve's own handler, so the prune timer stops before connections close.
process.once('SIGTERM', () => void auth.stopJobs());
process.once('SIGINT', () => void auth.stopJobs());
await serve(auth.deps, auth.app, config.PORT, { relay: auth.relay, consumers: [auth.consumer] });
process.stdout.write(`auth listening on ${(auth.app.server.address() as { port: number }).port}\n`);
