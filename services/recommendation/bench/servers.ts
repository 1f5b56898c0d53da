// Child process of the recommendation benchmark: the service and a bare Fastify route answering the same Redis
// key (one user's stored list), each on its own port. Prints the ports as one JSON line.
import { loadConfig } from '@marquee/platform-config';
import Fastify from 'fastify';
import { recommendationConfigSchema } from '../src/config';
import { startRecommendation } from '../src/service';

const config = loadConfig('recommendation', recommendationConfigSchema, { ...process.env, LOG_LEVEL: 'error' });
const rec = await startRecommendation(config);
await rec.app.listen({ port: 0, host: '127.0.0.1' });
const bare = Fastify({ logger: false });
bare.get<{ Params: { userId: string } }>('/bare/:userId', async (req, reply) =>
  reply
    .header('content-type', 'application/json; charset=utf-8')
    .send(await rec.deps.redis.get(`${config.CACHE_KEY_PREFIX}list:${req.params.userId}`)),
);
await bare.listen({ port: 0, host: '127.0.0.1' });
const port = (s: { server: { address(): unknown } }) => (s.server.address() as { port: number }).port;
process.stdout.write(`${JSON.stringify({ service: port(rec.app), bare: port(bare) })}\n`);
