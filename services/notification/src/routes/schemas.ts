import { Type } from '@marquee/platform-http';

export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});

export const Preferences = Type.Object({
  weeklyDigest: Type.Boolean(),
  recommendationAlerts: Type.Boolean(),
  trendingAlerts: Type.Boolean(),
  pushRecommendations: Type.Boolean(),
  pushTrending: Type.Boolean(),
  digestDay: Type.Integer({ minimum: 1, maximum: 7, description: '1 = Monday … 7 = Sunday' }),
  digestTime: Type.String({ description: 'HH:MM in the preference timezone' }),
  timezone: Type.String({ description: 'IANA timezone that schedules the digest' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const PreferencesPatch = Type.Object(
  {
    weeklyDigest: Type.Optional(Type.Boolean()),
    recommendationAlerts: Type.Optional(Type.Boolean()),
    trendingAlerts: Type.Optional(Type.Boolean()),
    pushRecommendations: Type.Optional(Type.Boolean()),
    pushTrending: Type.Optional(Type.Boolean()),
    digestDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 })),
    digestTime: Type.Optional(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM' })),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA timezone' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Time = Nullable(Type.String({ format: 'date-time' }));

export const NotificationView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  createdAt: Type.String({ format: 'date-time' }),
  channel: Type.Union([Type.Literal('email'), Type.Literal('push')]),
  kind: Type.String(),
  subject: Type.String(),
  recipient: Nullable(
    Type.String({ description: 'masked: j***@example.com, or the device type and last 4 characters' }),
  ),
  status: Type.String(),
  sentAt: Time,
  deliveredAt: Time,
  openedAt: Time,
  clickedAt: Time,
});

export const AdminNotificationView = Type.Composite([
  NotificationView,
  Type.Object({
    userId: Type.String({ format: 'uuid' }),
    externalId: Nullable(Type.String()),
    errorMessage: Nullable(Type.String()),
    attempts: Type.Integer(),
  }),
]);

export const Page = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

const MailboxHead = {
  id: Type.String({ format: 'uuid', description: 'the notification log id' }),
  messageId: Type.String(),
  date: Type.String({ format: 'date-time' }),
  to: Type.String(),
  subject: Type.String(),
};
export const MailboxList = Type.Object({
  mode: Type.Union([Type.Literal('smtp'), Type.Literal('mailbox')], { description: 'where email goes now' }),
  total: Type.Integer(),
  items: Type.Array(Type.Object(MailboxHead)),
});
export const MailboxMessage = Type.Object({ ...MailboxHead, text: Type.String(), html: Type.String() });

export const Gif = Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'a 1×1 transparent GIF' });
export const Html = Type.Unsafe<string>({ type: 'string', description: 'an HTML page' });
export const Redirect = Type.Null({ description: 'redirect to the movie page' });
