// Child process of the recommendation benchmark: the service and a bare Fastify route answering the same Redis
// key (one user's stored list), each on its own port. Prints the ports as one JSON line.
import { loadConfig } from '@marquee/platform-config';
import Fastify from 'fastify';
import { recommendationConfigSchema } from '../src/config';
import { startRecommendation } from '../src/service';

const config = loadConfig('recommendation', recommendationConfigSchema, { ...process.env, LOG_LEVEL: 'error' });
const rec = await startRecommendation(config).catch((err: Error) => {
  // One line, not a stack: the parent bench adds what to start.
  process.stderr.write(`recommendation did not start: ${err.message}\n`);
  process.exit(1);
});
await rec.app.listen({ port: 0, host: '127.0.0.1' });
const bare = Fastify({ logger: false });
// It sends the same bytes as the service's default page: the stored value up to its first newline (the page as
// sent; the whole list follows it, see src/recommend/stored-value.ts), so both answers are the same size.
bare.get<{ Params: { userId: string } }>('/bare/:userId', async (req, reply) => {
  const stored = (await rec.deps.redis.get(`${config.CACHE_KEY_PREFIX}list:${req.params.userId}`)) ?? '';
  const cut = stored.indexOf('\n');
  return reply
    .header('content-type', 'application/json; charset=utf-8')
    .send(cut === -1 ? stored : stored.slice(0, cut));
});
await bare.listen({ port: 0, host: '127.0.0.1' });
const port = (s: { server: { address(): unknown } }) => (s.server.address() as { port: number }).port;
process.stdout.write(`${JSON.stringify({ service: port(rec.app), bare: port(bare) })}\n`);
// An orderly exit on SIGTERM, so that a --cpu-prof profile is written.
process.once('SIGTERM', () => process.exit(0));
