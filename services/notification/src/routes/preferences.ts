import { requireUser } from '@marquee/platform-auth';
import type { HttpApp } from '@marquee/platform-http';
import type { NotificationContext } from '../context';
import { withUser } from '../db/user-scope';
import { getPreferences, updatePreferences } from '../preferences/preferences';
import { ErrorResponse, Preferences, PreferencesPatch } from './schemas';

export function registerPreferenceRoutes(app: HttpApp, ctx: NotificationContext): void {
  const security = [{ bearerAuth: [] }];
  app.get(
    '/v1/me/notification-preferences',
    {
      preHandler: requireUser,
      schema: {
        tags: ['notifications'],
        summary: "The signed-in user's notification preferences (made with the defaults on first read)",
        security,
        response: { 200: Preferences, 401: ErrorResponse },
      },
    },
    async (req) => {
      const userId = req.identity?.userId as string;
      return withUser(ctx.database.db, userId, (tx) => getPreferences(tx, userId));
    },
  );

  app.patch(
    '/v1/me/notification-preferences',
    {
      preHandler: requireUser,
      schema: {
        tags: ['notifications'],
        summary: 'Change notification preferences: digest day 1–7 (Monday–Sunday), time HH:MM, IANA timezone',
        security,
        body: PreferencesPatch,
        response: { 200: Preferences, 400: ErrorResponse, 401: ErrorResponse },
      },
    },
    async (req) => {
      const userId = req.identity?.userId as string;
      return withUser(ctx.database.db, userId, (tx) => updatePreferences(tx, userId, req.body));
    },
  );
}
