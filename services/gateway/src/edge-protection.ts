import helmet from '@fastify/helmet';
import underPressure from '@fastify/under-pressure';
import { errorBody, type HttpApp } from '@marquee/platform-http';
import type { GatewayConfig } from './config';

// Liveness must not fail under load (an orchestrator would restart a busy gateway), and metrics show the load.
const NEVER_SHED = new Set(['/health/live', '/metrics']);

/**
 * Security headers on every response (helmet's defaults; Swagger UI sets its own CSP on /docs), and load
 * shedding: while the event loop lags, requests get 503 SERVICE.OVERLOADED with Retry-After at once
 * instead of queueing until every client times out.
 */
export async function registerEdgeProtection(app: HttpApp, config: GatewayConfig): Promise<void> {
  await app.register(helmet, { global: true });
  await app.register(underPressure, {
    maxEventLoopDelay: config.PRESSURE_MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: config.PRESSURE_MAX_EVENT_LOOP_UTILIZATION,
    sampleInterval: config.PRESSURE_SAMPLE_INTERVAL_MS,
    // Utilisation of the last interval, not since start.
    eventLoopUtilizationMode: 'interval',
    retryAfter: config.PRESSURE_RETRY_AFTER_SECONDS,
    // Sends the error shape itself (the app's error handler would turn a thrown 503 into a 500); once the
    // reply is out, the request goes no further.
    pressureHandler: async (req, reply, type) => {
      if (NEVER_SHED.has(req.url.split('?')[0] as string)) return;
      req.log.warn({ event: 'request_shed', pressure: type }, 'gateway under pressure; request shed');
      reply
        .code(503)
        .header('retry-after', String(config.PRESSURE_RETRY_AFTER_SECONDS))
        .send(
          errorBody(
            'SERVICE.OVERLOADED',
            `The gateway is overloaded; retry after ${config.PRESSURE_RETRY_AFTER_SECONDS} seconds`,
          ),
        );
      await reply;
    },
  });
}
