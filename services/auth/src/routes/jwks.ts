import { type HttpApp, Type } from '@marquee/platform-http';
import type { AuthContext } from '../context';

export function registerJwksRoute(app: HttpApp, ctx: AuthContext): void {
  app.get(
    '/.well-known/jwks.json',
    {
      logLevel: 'warn',
      schema: {
        tags: ['auth'],
        summary: 'Public keys that verify access tokens (active and recently retired)',
        response: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) },
      },
    },
    async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      return ctx.keys.publishedJwks();
    },
  );
}
