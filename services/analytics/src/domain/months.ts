/** Month arithmetic in UTC for the monthly partitions of user_activity_logs. */

const PARTITION_RE = /^user_activity_logs_p(\d{4})_(\d{2})$/;

export function monthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

export function addMonths(month: Date, n: number): Date {
  return new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + n, 1));
}

/** `user_activity_logs_p2026_11` for November 2026. */
export function partitionName(month: Date): string {
  return `user_activity_logs_p${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month a partition name stands for, or undefined for any other name (so it is safe in SQL). */
export function monthOfPartition(name: string): Date | undefined {
  const m = PARTITION_RE.exec(name);
  if (!m) return undefined;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return undefined;
  return new Date(Date.UTC(Number(m[1]), month - 1, 1));
}

/** `2026-11-01` */
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Months a partition must exist for: the current one and `ahead` more. */
export function monthsToKeepAhead(now: Date, ahead: number): Date[] {
  const first = monthStart(now);
  return Array.from({ length: ahead + 1 }, (_, i) => addMonths(first, i));
}

/** The first month that is kept: partitions of earlier months are archived. */
export function retentionCutoff(now: Date, retentionMonths: number): Date {
  return addMonths(monthStart(now), -retentionMonths);
}
