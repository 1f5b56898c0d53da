import { requireAdmin } from '@marquee/platform-auth';
import { type HttpApp, Type } from '@marquee/platform-http';
import type { InteractionContext } from '../context';
import { importInteractions } from '../interactions/import-interactions';
import { ImportRow } from '../interactions/import-rows';
import { errors, security } from './schemas';

const Summary = Type.Object({
  received: Type.Integer(),
  recorded: Type.Integer({ description: 'Rows written, each published as interaction.recorded.' }),
  unchanged: Type.Integer({ description: 'Rows already stored as given, or older than what is stored.' }),
  superseded: Type.Integer({ description: 'Rows replaced by a later row of the same batch for the same slot.' }),
  rejected: Type.Array(Type.Object({ index: Type.Integer(), field: Type.String(), reason: Type.String() }), {
    description: 'Bad rows, by index in items; the other rows are kept.',
  }),
});

/** Bulk import for admins: interactions with their original times, validated row by row. */
export function registerAdminImportRoutes(app: HttpApp, ctx: InteractionContext): void {
  app.post(
    '/v1/admin/interactions/import',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Import interactions with their original times (admin)',
        description:
          `Each item is shaped like ${JSON.stringify(Object.keys(ImportRow.properties))} and validated on its own: ` +
          'bad rows come back in `rejected` by index, good rows are written in one transaction. ' +
          'Re-sending a batch writes and publishes nothing.',
        security,
        body: Type.Object(
          { items: Type.Array(Type.Unknown(), { minItems: 1, maxItems: ctx.bulkMaxItems }) },
          { additionalProperties: false },
        ),
        response: { 200: Summary, ...errors(400, 401, 403, 413, 503) },
      },
    },
    async (req) => importInteractions(ctx, req.body.items),
  );
}
