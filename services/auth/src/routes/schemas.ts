import { DeviceType } from '@marquee/contracts';
import { Nullable, Type } from '@marquee/platform-http';

export const UserProfileSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  username: Type.String(),
  email: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  isActive: Type.Boolean(),
  isStaff: Type.Boolean(),
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  isPremium: Type.Boolean(),
  dateJoined: Type.String({ format: 'date-time' }),
  lastLogin: Nullable(Type.String({ format: 'date-time' })),
  dateOfBirth: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  bio: Type.String(),
  avatar: Nullable(Type.String()),
  preferredLanguage: Type.String(),
  timezone: Type.String(),
  country: Nullable(Type.String()),
  deviceToken: Nullable(Type.String()),
  deviceType: Nullable(DeviceType),
  favoriteGenres: Type.Array(Type.Integer()),
});

export const TokenPairSchema = Type.Object({
  tokenType: Type.Literal('Bearer'),
  accessToken: Type.String({ description: 'EdDSA JWT, verify against /.well-known/jwks.json' }),
  expiresIn: Type.Integer({ description: 'Access token lifetime in seconds' }),
  refreshToken: Type.String({ description: 'Opaque; single use, rotated on every refresh' }),
});

export const Username = Type.String({
  pattern: '^[A-Za-z0-9_.-]{3,30}$',
  description: '3-30 letters, digits, _ . -',
});
export const Email = Type.String({ format: 'email', maxLength: 254 });
// Length and strength are checked by the password policy, which names each reason.
export const Password = Type.String({ minLength: 1, maxLength: 1024 });
export const FavoriteGenres = Type.Array(Type.Integer({ minimum: 1, maximum: 2147483647 }), {
  maxItems: 50,
  description: 'Genre ids from the catalog',
});
