import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody, type HttpApp } from '@marquee/platform-http';
import type { FastifyReply, FastifyRequest } from 'fastify';

const OPS_ROUTES = new Set(['/metrics', '/health/ready']);

/**
 * The gateway's operations port: /metrics and /health/ready answer only on it (the public port says
 * 404), so nobody outside can read the metrics or make every request ping Kafka, Redis and NATS.
 * It serves the same app, so the metrics count the public traffic.
 */
export class OpsListener {
  private readonly sockets = new WeakSet<Socket>();
  private server: Server | undefined;

  /** onRequest hook for the app: refuses the operations routes on any other listener. */
  guard = (req: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    // Callback style: it runs on every request, and an async hook costs a promise each time.
    // Most requests are /api/...: only a URL that could be an operations route is split and looked up.
    const url = req.url;
    if (!url.startsWith('/metrics') && !url.startsWith('/health/ready')) {
      done();
      return;
    }
    const path = url.split('?', 1)[0] as string;
    if (OPS_ROUTES.has(path) && !this.sockets.has(req.raw.socket)) {
      reply.code(404).send(errorBody('ROUTE.NOT_FOUND', `No route ${req.method} ${path}`));
      return;
    }
    done();
  };

  async listen(app: HttpApp, port: number, host: string): Promise<number> {
    await app.ready();
    const server = createServer((req, res) => app.routing(req, res));
    server.on('connection', (socket) => this.sockets.add(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return (server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
