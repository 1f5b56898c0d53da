import { requireAdmin, requireUser } from '@marquee/platform-auth';
import type { NatsConnection } from '@marquee/platform-bus';
import { type HttpApp, Type } from '@marquee/platform-http';
import { currentCorrelation } from '@marquee/platform-logging';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { gatherUserExport } from '../gdpr/gather-user-export';

export interface ExportOptions {
  nats: NatsConnection;
  services: string[];
  timeoutMs: number;
  subjectPrefix: string;
}

const UserExportSchema = Type.Object({
  userId: Type.String({ format: 'uuid' }),
  generatedAt: Type.String({ format: 'date-time' }),
  services: Type.Record(Type.String(), Type.Unknown(), { description: "Each service's part, by service name" }),
  missing: Type.Array(Type.Object({ service: Type.String(), reason: Type.String() }), {
    description: 'Services that did not answer in time or failed; their data is NOT in this export',
  }),
  complete: Type.Boolean(),
});

/** GDPR export: a user's data from every service, gathered over NATS; admins may export anyone's. */
export async function exportRoutes(app: HttpApp, opts: ExportOptions): Promise<void> {
  const gather = (req: FastifyRequest, reply: FastifyReply, userId: string, requestedBy: string) => {
    // Personal data: no browser or proxy cache may keep it.
    reply.header('cache-control', 'no-store');
    return gatherUserExport(
      opts.nats,
      opts.services,
      { userId, requestedBy, correlationId: currentCorrelation()?.correlationId ?? '' },
      opts.timeoutMs,
      opts.subjectPrefix,
      (service, err) => req.log.warn({ service, err: (err as Error).message }, 'export part missing'),
    );
  };

  app.get(
    '/api/v1/me/export',
    {
      preHandler: requireUser,
      schema: {
        tags: ['gdpr'],
        summary: "Export all of the signed-in user's data (GDPR art. 15/20)",
        security: [{ bearerAuth: [] }],
        response: { 200: UserExportSchema },
      },
    },
    async (req, reply) => {
      const userId = req.identity?.userId as string;
      const result = await gather(req, reply, userId, userId);
      req.log.info({ userId, missing: result.missing.map((m) => m.service) }, 'user export gathered');
      return result;
    },
  );

  app.get(
    '/api/v1/admin/users/:userId/export',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['gdpr'],
        summary: "Export any user's data (admins)",
        security: [{ bearerAuth: [] }],
        params: Type.Object({ userId: Type.String({ format: 'uuid' }) }),
        response: { 200: UserExportSchema },
      },
    },
    async (req, reply) => {
      const result = await gather(req, reply, req.params.userId, req.identity?.userId as string);
      req.log.info(
        { userId: req.params.userId, by: req.identity?.userId, missing: result.missing.map((m) => m.service) },
        'user export gathered by admin',
      );
      return result;
    },
  );
}
