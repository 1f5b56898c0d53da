// Gateway start: config → Kafka topic, activity producer, Redis, NATS → HTTP; graceful stop on SIGTERM.
import { loadConfigOrExit } from '@marquee/platform-config';
import { runUntilSignalled } from '@marquee/platform-http';
import { createLogger } from '@marquee/platform-logging';
import { cannotStart, warnIfTracingNotLoaded } from '@marquee/platform-service';
import { buildGatewayApp } from './app';
import { gatewayConfigSchema } from './config';
import { gatewayClosers, openGatewayDeps } from './deps';
import { OpsListener } from './ops-listener';

const config = loadConfigOrExit('gateway', gatewayConfigSchema);
const logger = createLogger('gateway', config.LOG_LEVEL);
warnIfTracingNotLoaded(logger);
const failed = cannotStart('gateway', config);
const deps = await openGatewayDeps(config, logger).catch(failed);
const ops = new OpsListener();
const app = await buildGatewayApp(deps, ops);
await runUntilSignalled({
  app,
  port: config.PORT,
  host: config.HOST,
  logger,
  closers: [{ name: 'ops', close: () => ops.close() }, ...gatewayClosers(deps)],
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
}).catch(failed);
const opsPort = await ops.listen(app, config.OPS_PORT, config.OPS_HOST).catch(failed);
logger.info({ port: (app.server.address() as { port: number }).port, opsPort }, 'gateway listening');
