import type { FieldProblem } from '@marquee/platform-http';

const HHMM_RE = /^([01]\d|2[0-3]):[0-5]\d$/;

/** IANA names the runtime knows (and PostgreSQL, which ships the same tz database). */
export function isIanaTimezone(tz: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface PreferencePatch {
  weeklyDigest?: boolean;
  recommendationAlerts?: boolean;
  trendingAlerts?: boolean;
  pushRecommendations?: boolean;
  pushTrending?: boolean;
  digestDay?: number;
  digestTime?: string;
  timezone?: string;
}

/** Problems the schema cannot see (a real timezone, a real clock time), each naming its field. */
export function preferenceProblems(patch: PreferencePatch): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (
    patch.digestDay !== undefined &&
    !(Number.isInteger(patch.digestDay) && patch.digestDay >= 1 && patch.digestDay <= 7)
  ) {
    problems.push({ field: 'body.digestDay', reason: 'must be an integer from 1 (Monday) to 7 (Sunday)' });
  }
  if (patch.digestTime !== undefined && !HHMM_RE.test(patch.digestTime)) {
    problems.push({ field: 'body.digestTime', reason: 'must be a time HH:MM from 00:00 to 23:59' });
  }
  if (patch.timezone !== undefined && !isIanaTimezone(patch.timezone)) {
    problems.push({ field: 'body.timezone', reason: 'must be an IANA timezone such as Europe/Paris' });
  }
  return problems;
}
