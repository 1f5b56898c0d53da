import { loadConfigOrExit } from '@marquee/platform-config';
import { cannotStart } from '@marquee/platform-service';
import { AppError } from '@marquee/platform-http';
import { authSchema } from './config';
import { startAuth } from './service';

const config = loadConfigOrExit('auth', authSchema);
const failed = cannotStart('auth', config);
const auth = await startAuth(config).catch((err: unknown) => {
  // A bad bootstrap admin (e.g. weak password) is a configuration error: say which rule, exit 78.
  if (err instanceof AppError) {
    process.stderr.write(`auth: cannot start: ${err.message}\n`);
    process.exit(78);
  }
  return failed(err);
});
await auth.listen(config.PORT).catch(failed);
