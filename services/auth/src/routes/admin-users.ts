import { requireAdmin } from '@marquee/platform-auth';
import { errors, type HttpApp, Type } from '@marquee/platform-http';
import { activateUser, deactivateUser, getUser, listUsers } from '../accounts/admin-users';
import type { AuthContext } from '../context';
import { UserProfileSchema } from './schemas';

const tags = ['admin'];
const security = [{ bearerAuth: [] }];
const UserIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const filters = {
  page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  username: Type.Optional(Type.String({ minLength: 1, maxLength: 30, description: 'Substring, case-insensitive' })),
  isActive: Type.Optional(Type.Boolean()),
};
const UserPage = Type.Object({
  items: Type.Array(UserProfileSchema),
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
});

export function registerAdminUserRoutes(app: HttpApp, ctx: AuthContext): void {
  app.get(
    '/v1/admin/users',
    {
      preHandler: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'List users, newest first',
        description: 'To find a user by email use POST /v1/admin/users/search: an email in a URL ends up in logs.',
        querystring: Type.Object(filters, { additionalProperties: false }),
        response: { 200: UserPage, ...errors(400, 401, 403) },
      },
    },
    async (req) => listUsers(ctx, req.query),
  );

  app.post(
    '/v1/admin/users/search',
    {
      preHandler: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Find users by exact email (and the list filters), newest first',
        body: Type.Object(
          {
            ...filters,
            email: Type.Optional(Type.String({ format: 'email', maxLength: 254, description: 'Exact match' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: UserPage, ...errors(400, 401, 403) },
      },
    },
    async (req) => listUsers(ctx, req.body),
  );

  app.get(
    '/v1/admin/users/:id',
    {
      preHandler: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'One user',
        params: UserIdParams,
        response: { 200: UserProfileSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => getUser(ctx, req.params.id),
  );

  app.post(
    '/v1/admin/users/:id/deactivate',
    {
      preHandler: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Deactivate a user: no more logins or refreshes',
        params: UserIdParams,
        response: { 200: UserProfileSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => deactivateUser(ctx, req.identity?.userId as string, req.params.id),
  );

  app.post(
    '/v1/admin/users/:id/activate',
    {
      preHandler: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Reactivate a deactivated user (they sign in again)',
        params: UserIdParams,
        response: { 200: UserProfileSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => activateUser(ctx, req.params.id),
  );
}
