// Container HEALTHCHECK: exit 0 when the service answers 200 on /health/ready (no curl in the images).
import path from 'node:path';
const defaults = {
  auth: 3001,
  catalog: 3002,
  interaction: 3003,
  recommendation: 3004,
  notification: 3005,
  analytics: 3006,
  gateway: 8080,
};
// The gateway answers /health/ready only on its operations port (OPS_PORT, default 9080).
// The service is the image's (MARQUEE_SERVICE), or in the all-services image the folder it runs in.
const service =
  process.env.MARQUEE_SERVICE && process.env.MARQUEE_SERVICE !== 'all'
    ? process.env.MARQUEE_SERVICE
    : path.basename(process.cwd());
const gateway = service === 'gateway';
const port = gateway ? process.env.OPS_PORT || 9080 : process.env.PORT || defaults[service] || 8080;
try {
  const res = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
