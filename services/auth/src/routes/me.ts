import { requireUser } from '@marquee/platform-auth';
import { DeviceType } from '@marquee/contracts';
import { withUser } from '@marquee/platform-db';
import { errors, type HttpApp, Nullable, Type } from '@marquee/platform-http';
import { deleteOwnAccount } from '../accounts/delete-account';
import { getUserById } from '../accounts/find-users';
import { accountDisabled } from '../accounts/login';
import { updateProfile } from '../accounts/update-profile';
import { toProfile } from '../accounts/user-record';
import type { AuthContext } from '../context';
import { type LoginThrottle, throttledConfirmation, tooMany } from '../sessions/login-throttle';
import { FavoriteGenres, Password, UserProfileSchema } from './schemas';

const tags = ['me'];
const security = [{ bearerAuth: [] }];

const ProfilePatchBody = Type.Object(
  {
    firstName: Type.Optional(Type.String({ maxLength: 150 })),
    lastName: Type.Optional(Type.String({ maxLength: 150 })),
    dateOfBirth: Type.Optional(Nullable(Type.String({ description: 'YYYY-MM-DD' }))),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 16, description: 'E.164, e.g. +4915112345678' }))),
    bio: Type.Optional(Type.String({ maxLength: 1000 })),
    avatar: Type.Optional(Nullable(Type.String({ format: 'uri', pattern: '^https://', maxLength: 500 }))),
    preferredLanguage: Type.Optional(Type.String({ maxLength: 35, description: 'BCP 47 tag' })),
    timezone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA time zone' })),
    country: Type.Optional(Nullable(Type.String({ minLength: 2, maxLength: 2, description: 'ISO 3166-1 alpha-2' }))),
    deviceToken: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 512 }))),
    deviceType: Type.Optional(Nullable(DeviceType)),
    favoriteGenres: Type.Optional(FavoriteGenres),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** The caller's own, still active account. */
async function ownActiveAccount(ctx: AuthContext, userId: string) {
  const row = await withUser(ctx.database.db, userId, (tx) => getUserById(tx, userId));
  if (!row.isActive) throw accountDisabled();
  return row;
}

export function registerMeRoutes(app: HttpApp, ctx: AuthContext, throttle: LoginThrottle): void {
  app.get(
    '/v1/me',
    {
      preHandler: requireUser,
      schema: {
        tags,
        security,
        summary: 'My account and profile',
        response: { 200: UserProfileSchema, ...errors(401, 403, 404) },
      },
    },
    async (req) => toProfile(await ownActiveAccount(ctx, req.identity?.userId as string), ctx.cipher),
  );

  app.patch(
    '/v1/me',
    {
      preHandler: requireUser,
      schema: {
        tags,
        security,
        summary: 'Change my profile',
        description: 'favoriteGenres must be genre ids the catalog has published; null clears an optional field.',
        body: ProfilePatchBody,
        response: { 200: UserProfileSchema, ...errors(400, 401, 403, 404, 413) },
      },
    },
    async (req) => {
      const userId = req.identity?.userId as string;
      await ownActiveAccount(ctx, userId);
      return updateProfile(ctx, userId, req.body);
    },
  );

  app.delete(
    '/v1/me',
    {
      preHandler: requireUser,
      schema: {
        tags,
        security,
        summary: 'Delete my account (GDPR erasure); needs my password',
        body: Type.Object({ password: Password }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req, reply) => {
      const userId = req.identity?.userId as string;
      await throttledConfirmation(throttle, { userId, ip: req.ip }, tooMany(reply), () =>
        deleteOwnAccount(ctx, userId, req.body.password),
      );
      return reply.code(204).send(null);
    },
  );
}
