// Seeds the MovieLens demo community (accounts through auth, ratings through the admin import); see --help.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit, Type } from '@marquee/platform-config';
import { ServiceCallError } from '../community/marquee-client';
import { seedDemoCommunity } from '../community/seed-demo-community';

const HELP = `usage: pnpm --filter @marquee/interaction demo-community [-- --if-empty]

Creates the 610 users of MovieLens ml-latest-small as Marquee accounts (through auth's API) and replays
their 100,836 ratings with original times through the interaction service's admin import. Safe to re-run.
  --if-empty   do nothing when the first demo user already has ratings
Environment: AUTH_URL, CATALOG_URL, INTERACTION_URL (services, default 127.0.0.1:3001-3003),
MARQUEE_ADMIN_EMAIL + MARQUEE_ADMIN_PASSWORD (an admin account), MARQUEE_DEMO_PASSWORD (every demo
user's password), MARQUEE_DATA_DIR (default ../shared/datasets). ./marquee up sets all of them.
Prints one JSON line; exit 0 ok, 1 failed, 64 bad arguments, 78 bad configuration.
`;

const args = process.argv.slice(2).filter((a) => a !== '--');
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}
const unknown = args.filter((a) => a !== '--if-empty');
if (unknown.length > 0) {
  process.stderr.write(`demo-community: unknown argument ${unknown.join(' ')}\n${HELP}`);
  process.exit(64);
}

const serviceUrl = (fallback: string) => Type.String({ pattern: '^https?://[^\\s/]+/?$', default: fallback });
const config = loadConfigOrExit(
  'interaction demo-community',
  Type.Object({
    AUTH_URL: serviceUrl('http://127.0.0.1:3001'),
    CATALOG_URL: serviceUrl('http://127.0.0.1:3002'),
    INTERACTION_URL: serviceUrl('http://127.0.0.1:3003'),
    MARQUEE_ADMIN_EMAIL: Type.String({ minLength: 3, description: 'Login of an admin account.' }),
    MARQUEE_ADMIN_PASSWORD: Type.String({ minLength: 1, description: "That admin's password." }),
    MARQUEE_DEMO_PASSWORD: Type.String({ minLength: 12, description: 'Password of every demo account.' }),
    MARQUEE_DATA_DIR: Type.String({ default: '', description: 'Folder holding movielens-small/ratings.csv.' }),
    DEMO_EMAIL_DOMAIN: Type.String({ default: 'movielens.marquee.test', description: 'Domain of demo emails.' }),
    DEMO_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 5000, default: 1000, description: 'Ratings per import.' }),
  }),
);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const dataDir = config.MARQUEE_DATA_DIR || path.resolve(repoRoot, '../shared/datasets');
if (!existsSync(path.join(dataDir, 'movielens-small', 'ratings.csv'))) {
  process.stderr.write(`demo-community: no movielens-small/ratings.csv under ${dataDir}; set MARQUEE_DATA_DIR\n`);
  process.exit(78);
}
const trim = (u: string) => u.replace(/\/$/, '');
try {
  const summary = await seedDemoCommunity({
    urls: { auth: trim(config.AUTH_URL), catalog: trim(config.CATALOG_URL), interaction: trim(config.INTERACTION_URL) },
    dataDir,
    adminLogin: config.MARQUEE_ADMIN_EMAIL,
    adminPassword: config.MARQUEE_ADMIN_PASSWORD,
    demoPassword: config.MARQUEE_DEMO_PASSWORD,
    emailDomain: config.DEMO_EMAIL_DOMAIN,
    ifEmpty: args.includes('--if-empty'),
    batchSize: config.DEMO_BATCH_SIZE,
    progress: (m) => process.stderr.write(`demo-community: ${m}\n`),
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exit(0);
} catch (err) {
  if (!(err instanceof ServiceCallError)) throw err;
  process.stderr.write(`demo-community: ${err.message}\n`);
  process.exit(1);
}
