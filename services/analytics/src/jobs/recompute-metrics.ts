import type { Database } from '@marquee/platform-db';
import { listPartitions } from '../db/partitions';
import { monthStart, partitionName } from '../domain/months';
import {
  CTR_COUNTS,
  CTR_ROWS,
  EVENT_COUNT,
  logAsMetricRows,
  POPULARITY_COUNTS,
  POPULARITY_HAVING,
} from '../ingest/metric-rules';
import { PENDING_COUNTS } from './fold-impressions';

export interface Difference {
  table: 'popularity_metrics' | 'recommendation_ctr_daily' | 'daily_activity';
  key: string;
  field: string;
  stored: number;
  recomputed: number;
}

export interface RecomputeReport {
  date: string;
  rowsChecked: number;
  differences: Difference[];
}

type Counts = Record<string, number>;

const DAY = `(${logAsMetricRows('occurred_at >= $1::date and occurred_at < $1::date + 1')}) r`;

const POPULARITY_FROM_LOGS = `
select movie_id::text as key, ${POPULARITY_COUNTS}
  from ${DAY} where movie_id is not null group by movie_id having ${POPULARITY_HAVING}`;

// Stored: the rows, plus the lists the fold has not counted yet (as it will count them).
const POPULARITY_STORED = `
select key, sum(view_count) as view_count, sum(like_count) as like_count, sum(rating_count) as rating_count,
       sum(rating_sum) as rating_sum, sum(recommendation_count) as recommendation_count, sum(click_count) as click_count
  from (
    select movie_id::text as key, view_count, like_count, rating_count, rating_sum, recommendation_count, click_count
      from popularity_metrics where date = $1::date
    union all
    select m.movie_id::text, 0, 0, 0, 0, m.n, 0 from (${PENDING_COUNTS}) m where m.day = $1::date
  ) s group by key`;

const CTR_FROM_LOGS = `
select algorithm || '/' || variant as key, ${CTR_COUNTS} from ${DAY} where ${CTR_ROWS} group by algorithm, variant`;

const CTR_STORED = `
select algorithm || '/' || variant as key, impressions, clicks from recommendation_ctr_daily where date = $1::date`;

const EVENTS_FROM_LOGS = `select 'events' as key, ${EVENT_COUNT} as events from ${DAY} having count(*) > 0`;

const EVENTS_STORED = `select 'events' as key, events from daily_activity where date = $1::date`;

async function keyed(client: import('pg').PoolClient, query: string, date: string): Promise<Map<string, Counts>> {
  const { rows } = await client.query<Record<string, string>>(query, [date]);
  return new Map(
    rows.map(({ key, ...counts }) => [
      key as string,
      Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])),
    ]),
  );
}

function diff(table: Difference['table'], stored: Map<string, Counts>, recomputed: Map<string, Counts>): Difference[] {
  const out: Difference[] = [];
  for (const key of new Set([...stored.keys(), ...recomputed.keys()])) {
    const s = stored.get(key) ?? {};
    const r = recomputed.get(key) ?? {};
    for (const field of new Set([...Object.keys(s), ...Object.keys(r)])) {
      const a = s[field] ?? 0;
      const b = r[field] ?? 0;
      if (a !== b) out.push({ table, key, field, stored: a, recomputed: b });
    }
  }
  return out;
}

/**
 * Recomputes one UTC day's metrics from the log and lists every difference from the incrementally kept
 * rows (popularity per movie, CTR per algorithm/variant, events). The day's partition must not be archived.
 */
export async function recomputeDay(database: Database, date: string): Promise<RecomputeReport> {
  const day = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(day.getTime())) throw new Error(`${date} is not a date (YYYY-MM-DD)`);
  const name = partitionName(monthStart(day));
  if (!(await listPartitions(database)).some((p) => p.name === name)) {
    throw new Error(`${date}: partition ${name} is not attached (archived or never created); restore it first`);
  }
  const client = await database.pool.connect();
  try {
    // One snapshot for both sides, so a write landing mid-check cannot show up as a difference.
    await client.query('begin isolation level repeatable read read only');
    await client.query(`select set_config('marquee.all_users', 'on', true)`);
    const pairs = [
      ['popularity_metrics', POPULARITY_STORED, POPULARITY_FROM_LOGS],
      ['recommendation_ctr_daily', CTR_STORED, CTR_FROM_LOGS],
      ['daily_activity', EVENTS_STORED, EVENTS_FROM_LOGS],
    ] as const;
    const differences: Difference[] = [];
    let rowsChecked = 0;
    for (const [table, storedQuery, logsQuery] of pairs) {
      const stored = await keyed(client, storedQuery, date);
      const recomputed = await keyed(client, logsQuery, date);
      rowsChecked += new Set([...stored.keys(), ...recomputed.keys()]).size;
      differences.push(...diff(table, stored, recomputed));
    }
    await client.query('commit');
    return { date, rowsChecked, differences };
  } finally {
    await client.query('rollback').catch(() => {});
    client.release();
  }
}
