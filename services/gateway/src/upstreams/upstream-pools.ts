import { Pool } from 'undici';
import type { GatewayConfig } from '../config';
import { UPSTREAM_SERVICES, type UpstreamService } from '../domain/route-table';

export interface Upstream {
  service: UpstreamService;
  origin: string;
  pool: Pool;
}

const URL_KEYS: Record<UpstreamService, keyof GatewayConfig> = {
  auth: 'AUTH_URL',
  catalog: 'CATALOG_URL',
  interaction: 'INTERACTION_URL',
  recommendation: 'RECOMMENDATION_URL',
  notification: 'NOTIFICATION_URL',
  analytics: 'ANALYTICS_URL',
};

/** One keep-alive pool per configured upstream; a service whose URL is empty is absent (→ 503). */
export class UpstreamPools {
  private readonly upstreams = new Map<UpstreamService, Upstream>();

  constructor(config: GatewayConfig) {
    for (const service of UPSTREAM_SERVICES) {
      const base = String(config[URL_KEYS[service]] ?? '');
      if (!base) continue;
      const origin = new URL(base).origin;
      const pool = new Pool(origin, {
        connections: config.UPSTREAM_CONNECTIONS,
        keepAliveTimeout: 30_000,
        headersTimeout: config.UPSTREAM_TIMEOUT_MS,
        bodyTimeout: config.UPSTREAM_TIMEOUT_MS,
        connectTimeout: Math.min(config.UPSTREAM_TIMEOUT_MS, 5000),
      });
      this.upstreams.set(service, { service, origin, pool });
    }
  }

  get(service: UpstreamService): Upstream | undefined {
    return this.upstreams.get(service);
  }

  configured(): Upstream[] {
    return [...this.upstreams.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.configured().map((u) => u.pool.close()));
  }
}
