import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import type { Registry } from '@marquee/platform-metrics';
import { IpPolicy } from './domain/ip-policy';
import type { AnalyticsConfig } from './config';

/** What routes, consumers and jobs of analytics share. */
export interface AnalyticsContext {
  /** The primary: consumers, jobs, on-demand trending, GDPR export. */
  database: Database;
  /** Where report queries go: the read replica when ANALYTICS_REPORTS_DATABASE_URL is set, else the primary. */
  reports: Database;
  logger: Logger;
  /** The service's one registry, served at /metrics. */
  metrics: Registry;
  ipPolicy: IpPolicy;
  trending: { days: number; halfLifeHours: number; size: number; intervalMs: number };
}

/** The IP policy alone, so a missing key stops the start before any connection is opened. */
export function ipPolicyOf(config: AnalyticsConfig): IpPolicy {
  return IpPolicy.fromConfig(config.ANALYTICS_IP_POLICY, config.ANALYTICS_IP_KEYS, config.ANALYTICS_IP_ACTIVE_KID);
}

export function createAnalyticsContext(
  config: AnalyticsConfig,
  deps: { database: Database; reports: Database; logger: Logger; metrics: Registry; ipPolicy: IpPolicy },
): AnalyticsContext {
  return {
    ...deps,
    trending: {
      days: config.ANALYTICS_TRENDING_DAYS,
      halfLifeHours: config.ANALYTICS_TRENDING_HALF_LIFE_HOURS,
      size: config.ANALYTICS_TRENDING_SIZE,
      intervalMs: config.ANALYTICS_TRENDING_INTERVAL_MS,
    },
  };
}
