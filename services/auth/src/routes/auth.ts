import { requireUser } from '@marquee/platform-auth';
import { withUser } from '@marquee/platform-db';
import { errors, type HttpApp, Type, unauthorized } from '@marquee/platform-http';
import { changePassword } from '../accounts/change-password';
import { accountDisabled, issueTokenPair, login } from '../accounts/login';
import { registerUser } from '../accounts/register-user';
import type { AuthContext } from '../context';
import { type LoginThrottle, TooManyAttemptsError, throttledConfirmation, tooMany } from '../sessions/login-throttle';
import { issueRefreshToken, revokeFamilyOfToken, spendRefreshToken } from '../sessions/refresh-tokens';
import { Email, FavoriteGenres, Password, TokenPairSchema, UserProfileSchema, Username } from './schemas';

const tags = ['auth'];
const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export function registerAuthRoutes(app: HttpApp, ctx: AuthContext, throttle: LoginThrottle): void {
  app.post(
    '/v1/auth/register',
    {
      schema: {
        tags,
        summary: 'Create an account and sign in',
        body: Type.Object(
          {
            username: Username,
            email: Email,
            password: Password,
            firstName: Type.Optional(Type.String({ maxLength: 150 })),
            lastName: Type.Optional(Type.String({ maxLength: 150 })),
            preferredLanguage: Type.Optional(Type.String({ maxLength: 35 })),
            timezone: Type.Optional(Type.String({ maxLength: 64 })),
            country: Type.Optional(Type.String({ minLength: 2, maxLength: 2 })),
            favoriteGenres: Type.Optional(FavoriteGenres),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Composite([TokenPairSchema, Type.Object({ user: UserProfileSchema })]),
          ...errors(400, 409, 413),
        },
      },
    },
    async (req, reply) => {
      const user = await registerUser(ctx, req.body);
      // A fresh session, as if the user had logged in: no second password round trip.
      const grant = await withUser(ctx.database.db, user.id, (tx) => issueRefreshToken(tx, user.id, ctx.sessions));
      return reply.code(201).send({ ...(await issueTokenPair(ctx, user, grant)), user });
    },
  );

  app.post(
    '/v1/auth/login',
    {
      schema: {
        tags,
        summary: 'Sign in with email or username',
        body: Type.Object(
          {
            login: Type.String({ minLength: 1, maxLength: 254, description: 'Email or username' }),
            password: Password,
          },
          { additionalProperties: false },
        ),
        response: { 200: TokenPairSchema, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (req, reply) => {
      try {
        return await login(ctx, throttle, { login: req.body.login, password: req.body.password, ip: req.ip });
      } catch (err) {
        if (err instanceof TooManyAttemptsError) throw tooMany(reply)(err.retryAfterSeconds);
        throw err;
      }
    },
  );

  app.post(
    '/v1/auth/refresh',
    {
      schema: {
        tags,
        summary: 'Trade a refresh token for a new pair (the old one is spent)',
        description:
          'Presenting an already spent refresh token revokes its whole family (all sessions descended from that login).',
        body: RefreshBody,
        response: { 200: TokenPairSchema, ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const result = await spendRefreshToken(ctx.database, req.body.refreshToken, ctx.sessions);
      switch (result.outcome) {
        case 'rotated':
          return issueTokenPair(ctx, { id: result.userId, isStaff: result.isStaff, isActive: true }, result.grant);
        case 'reused':
          ctx.announceRevoked({ userId: result.userId, sessionId: result.sessionId });
          req.log.warn({ event: 'refresh_token_reuse' }, 'spent refresh token presented; family revoked');
          throw unauthorized(
            'AUTH.REFRESH_TOKEN_REUSED',
            'Refresh token was already used; this session has been revoked, sign in again',
          );
        case 'inactive':
          throw accountDisabled();
        case 'expired':
          throw unauthorized('AUTH.INVALID_REFRESH_TOKEN', 'Refresh token has expired');
        default:
          throw unauthorized('AUTH.INVALID_REFRESH_TOKEN', 'Refresh token is not valid');
      }
    },
  );

  app.post(
    '/v1/auth/logout',
    {
      schema: {
        tags,
        summary: "End this login's session (revokes its refresh-token family)",
        body: RefreshBody,
        response: { 204: Type.Null(), ...errors(400) },
      },
    },
    async (req, reply) => {
      const ended = await revokeFamilyOfToken(ctx.database, req.body.refreshToken);
      if (ended) ctx.announceRevoked(ended);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/auth/password',
    {
      preHandler: requireUser,
      schema: {
        tags,
        summary: 'Change password (signs out every other session)',
        security: [{ bearerAuth: [] }],
        body: Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false }),
        response: { 200: TokenPairSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req, reply) =>
      throttledConfirmation(throttle, { userId: req.identity?.userId as string, ip: req.ip }, tooMany(reply), () =>
        changePassword(ctx, req.identity?.userId as string, req.body),
      ),
  );
}
