import { userRowsPolicy } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export { outbox, processedEvents } from '@marquee/platform-events';

/**
 * Accounts with their merged profile. PII columns (`*_encrypted`) hold FieldCipher values bound to
 * the row id; `email_hash` (HMAC-SHA256) is what makes emails unique and findable;
 * `data_key_encrypted` seals the personal fields of the user's events and is destroyed with the row.
 * Row-level security: a transaction sees only the row of its `marquee.user_id` unless it acts for all users.
 */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    username: text('username').notNull(),
    emailEncrypted: text('email_encrypted').notNull(),
    emailHash: text('email_hash').notNull(),
    passwordHash: text('password_hash').notNull(),
    firstName: text('first_name').notNull().default(''),
    lastName: text('last_name').notNull().default(''),
    isActive: boolean('is_active').notNull().default(true),
    isStaff: boolean('is_staff').notNull().default(false),
    isPremium: boolean('is_premium').notNull().default(false),
    dateJoined: timestamp('date_joined', { withTimezone: true }).notNull().defaultNow(),
    lastLogin: timestamp('last_login', { withTimezone: true }),
    dateOfBirthEncrypted: text('date_of_birth_encrypted'),
    phoneEncrypted: text('phone_encrypted'),
    bio: text('bio').notNull().default(''),
    avatar: text('avatar'),
    preferredLanguage: text('preferred_language').notNull().default('en'),
    timezone: text('timezone').notNull().default('UTC'),
    country: text('country'),
    deviceTokenEncrypted: text('device_token_encrypted'),
    deviceType: text('device_type'),
    // This user's data key for the personal fields of their events; gone with the row (crypto-shredding).
    dataKeyEncrypted: text('data_key_encrypted'),
    favoriteGenres: integer('favorite_genres').array().notNull().default(sql`'{}'::integer[]`),
    passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    uniqueIndex('users_email_hash_key').on(t.emailHash),
    index('users_date_joined_idx').on(t.dateJoined, t.id),
    check('users_device_type_check', sql`${t.deviceType} in ('ios', 'android', 'web')`),
    check('users_country_check', sql`${t.country} ~ '^[A-Z]{2}$'`),
    userRowsPolicy('users_own_row', t.id),
  ],
).enableRLS();

/**
 * Opaque refresh tokens, stored as SHA-256 hashes. Each login starts a family; every refresh spends
 * one token and adds its successor. Presenting a spent token revokes the family (theft signal).
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    familyId: uuid('family_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    spentAt: timestamp('spent_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
  },
  (t) => [
    uniqueIndex('refresh_tokens_token_hash_key').on(t.tokenHash),
    index('refresh_tokens_family_idx').on(t.familyId),
    index('refresh_tokens_user_idx').on(t.userId),
    userRowsPolicy('refresh_tokens_own_rows', t.userId),
  ],
).enableRLS();

/** Ed25519 signing keys; the private half is FieldCipher-encrypted. The newest unretired key signs. */
export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  algorithm: text('algorithm').notNull(),
  publicJwk: jsonb('public_jwk').notNull(),
  privateKeyEncrypted: text('private_key_encrypted').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});

/** Projection of catalog.movie.v1: every genre id a movie has carried, for favorite_genres checks. */
export const knownGenres = pgTable('known_genres', {
  genreId: integer('genre_id').primaryKey(),
  name: text('name').notNull(),
  slug: text('slug').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
