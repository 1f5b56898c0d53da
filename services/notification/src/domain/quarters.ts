/** The quarter containing a date: its partition name and [from, to) bounds in UTC. */
export interface Quarter {
  name: string;
  from: Date;
  to: Date;
}

export function quarterOf(at: Date, offset = 0): Quarter {
  const q = Math.floor(at.getUTCMonth() / 3) + offset;
  const year = at.getUTCFullYear() + Math.floor(q / 4);
  const qi = ((q % 4) + 4) % 4;
  const from = new Date(Date.UTC(year, qi * 3, 1));
  const to = new Date(Date.UTC(year, qi * 3 + 3, 1));
  return { name: `notification_logs_${year}_q${qi + 1}`, from, to };
}

/** Partition names this service creates; anything else under the parent is left alone. */
export const PARTITION_NAME_RE = /^notification_logs_(\d{4})_q([1-4])$/;

/** The bounds of a partition from its name, or null when the name is not one of ours. */
export function quarterFromName(name: string): Quarter | null {
  const m = PARTITION_NAME_RE.exec(name);
  if (!m) return null;
  return quarterOf(new Date(Date.UTC(Number(m[1]), (Number(m[2]) - 1) * 3, 1)));
}
