import type { Tx } from '@marquee/platform-db';
import { AppError } from '@marquee/platform-http';
import { eq, sql } from 'drizzle-orm';
import { notificationPreferences, recipients } from '../db/schema';
import { type PreferencePatch, preferenceProblems } from '../domain/preference-rules';

export interface PreferencesView {
  weeklyDigest: boolean;
  recommendationAlerts: boolean;
  trendingAlerts: boolean;
  pushRecommendations: boolean;
  pushTrending: boolean;
  digestDay: number;
  digestTime: string;
  timezone: string;
  updatedAt: string;
}

type Row = typeof notificationPreferences.$inferSelect;

const view = (r: Row): PreferencesView => ({
  weeklyDigest: r.weeklyDigest,
  recommendationAlerts: r.recommendationAlerts,
  trendingAlerts: r.trendingAlerts,
  pushRecommendations: r.pushRecommendations,
  pushTrending: r.pushTrending,
  digestDay: r.digestDay,
  digestTime: r.digestTime.slice(0, 5),
  timezone: r.timezone,
  updatedAt: r.updatedAt.toISOString(),
});

/**
 * The user's row, made with the defaults when user.registered has not arrived yet (timezone from the
 * recipient projection when known); tx is scoped to the user (withUser).
 */
async function ensureRow(tx: Tx, userId: string): Promise<Row> {
  const [found] = await tx.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId));
  if (found) return found;
  const [r] = await tx.select({ timezone: recipients.timezone }).from(recipients).where(eq(recipients.userId, userId));
  await tx
    .insert(notificationPreferences)
    .values({ userId, ...(r ? { timezone: r.timezone } : {}) })
    .onConflictDoNothing();
  const [made] = await tx.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId));
  return made as Row;
}

export async function getPreferences(tx: Tx, userId: string): Promise<PreferencesView> {
  return view(await ensureRow(tx, userId));
}

export async function updatePreferences(tx: Tx, userId: string, patch: PreferencePatch): Promise<PreferencesView> {
  const problems = preferenceProblems(patch);
  if (problems.length > 0) {
    throw new AppError(400, 'VALIDATION.FAILED', problems.map((p) => `${p.field} ${p.reason}`).join('; '), problems);
  }
  await ensureRow(tx, userId);
  const [row] = await tx
    .update(notificationPreferences)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(notificationPreferences.userId, userId))
    .returning();
  return view(row as Row);
}

const KIND_COLUMN = {
  weekly_digest: 'weeklyDigest',
  recommendation_alert: 'recommendationAlerts',
  trending_alert: 'trendingAlerts',
} as const;

/** One-click unsubscribe: turns off the email list the message came from (push settings stay). */
export async function unsubscribe(tx: Tx, userId: string, kind: keyof typeof KIND_COLUMN): Promise<boolean> {
  const set: Partial<Row> = { [KIND_COLUMN[kind]]: false };
  const res = await tx
    .update(notificationPreferences)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(notificationPreferences.userId, userId))
    .returning({ userId: notificationPreferences.userId });
  return res.length > 0;
}
