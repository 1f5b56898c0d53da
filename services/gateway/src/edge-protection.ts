import type { IncomingMessage, ServerResponse } from 'node:http';
import underPressure from '@fastify/under-pressure';
import { errorBody, type HttpApp } from '@marquee/platform-http';
import helmet from 'helmet';
import type { GatewayConfig } from './config';

// Liveness must not fail under load (an orchestrator would restart a busy gateway), and metrics show the load.
const NEVER_SHED = new Set(['/health/live', '/metrics']);

/**
 * The headers helmet's defaults set, worked out once: helmet is middleware that sets them on a response,
 * so it runs here on a stand-in response that records them. @fastify/helmet ran helmet's whole middleware
 * chain per request (re-parsing the CSP directives each time, plus an async hook): about 5 % of the
 * gateway's CPU per proxied request, for headers that never change.
 */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  } as unknown as ServerResponse;
  let failed: unknown;
  helmet()({} as IncomingMessage, res, (err?: unknown) => {
    failed = err;
  });
  if (failed) throw failed;
  return headers;
}

/**
 * Security headers on every response (helmet's defaults, worked out once at start; Swagger UI sets its own CSP on /docs), and load
 * shedding: while the event loop lags, requests get 503 SERVICE.OVERLOADED with Retry-After at once
 * instead of queueing until every client times out.
 */
export async function registerEdgeProtection(app: HttpApp, config: GatewayConfig): Promise<void> {
  const security = securityHeaders();
  // Callback style and one headers() call: it runs on every request.
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(security);
    done();
  });
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
