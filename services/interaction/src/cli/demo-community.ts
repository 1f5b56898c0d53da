import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@marquee/platform-config';
import { CommandFailed, runCli } from '@marquee/platform-service/cli';

const serviceUrl = (fallback: string, what: string) =>
  Type.String({ pattern: '^https?://[^\\s/]+/?$', default: fallback, description: `Base URL of ${what}.` });
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const trim = (u: string) => u.replace(/\/$/, '');

await runCli({
  name: 'interaction demo-community',
  summary:
    'Creates the 610 users of MovieLens ml-latest-small as Marquee accounts (through auth) and replays their 100,836 ratings with original times through the admin import; safe to re-run.',
  options: { 'if-empty': { type: 'boolean', description: 'do nothing when the first demo user already has ratings' } },
  notes: [
    'Prints one JSON line; exit 0 ok, 1 failed, 64 bad arguments, 78 bad configuration. ./marquee up sets it all.',
  ],
  config: Type.Object({
    AUTH_URL: serviceUrl('http://127.0.0.1:3001', 'auth'),
    CATALOG_URL: serviceUrl('http://127.0.0.1:3002', 'catalog'),
    INTERACTION_URL: serviceUrl('http://127.0.0.1:3003', 'the interaction service'),
    MARQUEE_ADMIN_EMAIL: Type.String({ minLength: 3, description: 'Login of an admin account.' }),
    MARQUEE_ADMIN_PASSWORD: Type.String({ minLength: 1, description: "That admin's password." }),
    MARQUEE_DEMO_PASSWORD: Type.String({ minLength: 12, description: 'Password of every demo account.' }),
    MARQUEE_DATA_DIR: Type.String({
      default: '',
      description: 'Folder holding movielens-small/ratings.csv (default ../shared/datasets).',
    }),
    DEMO_EMAIL_DOMAIN: Type.String({ default: 'movielens.marquee.test', description: 'Domain of demo emails.' }),
    DEMO_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 5000, default: 1000, description: 'Ratings per import.' }),
  }),
  async run({ args, config }) {
    const dataDir = config.MARQUEE_DATA_DIR || path.resolve(repoRoot, '../shared/datasets');
    if (!existsSync(path.join(dataDir, 'movielens-small', 'ratings.csv')))
      throw new CommandFailed(`no movielens-small/ratings.csv under ${dataDir}; set MARQUEE_DATA_DIR`, 78);
    const { seedDemoCommunity } = await import('../community/seed-demo-community');
    return seedDemoCommunity({
      urls: {
        auth: trim(config.AUTH_URL),
        catalog: trim(config.CATALOG_URL),
        interaction: trim(config.INTERACTION_URL),
      },
      dataDir,
      adminLogin: config.MARQUEE_ADMIN_EMAIL,
      adminPassword: config.MARQUEE_ADMIN_PASSWORD,
      demoPassword: config.MARQUEE_DEMO_PASSWORD,
      emailDomain: config.DEMO_EMAIL_DOMAIN,
      ifEmpty: args['if-empty'] === true,
      batchSize: config.DEMO_BATCH_SIZE,
      progress: (m) => process.stderr.write(`demo-community: ${m}\n`),
    });
  },
});
