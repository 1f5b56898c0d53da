// Creates an admin. Usage: create-admin --email a@b.c --username admin, password in AUTH_NEW_ADMIN_PASSWORD (never argv).
import { ensureAdmin } from '../accounts/create-admin';
import { flag, runCommand } from './cli-config';

const email = flag('email');
const username = flag('username') ?? 'admin';
const password = process.env.AUTH_NEW_ADMIN_PASSWORD;
if (!email || !password) {
  process.stderr.write(
    'auth create-admin: needs --email <email> [--username <name>] and AUTH_NEW_ADMIN_PASSWORD in the environment\n',
  );
  process.exit(64);
}
await runCommand('create-admin', async (ctx) => {
  const result = await ensureAdmin(ctx, { email, username, password });
  if (!result.created)
    throw new Error(`an account with email ${email} already exists (${result.userId}); nothing changed`);
  return { created: true, userId: result.userId };
});
