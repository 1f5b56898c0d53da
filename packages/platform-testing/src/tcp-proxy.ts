import net from 'node:net';

export interface TcpProxy {
  /** The port it listens on (127.0.0.1), the same after down() and up(). */
  port: number;
  /** The server's URL (credentials, database, options kept) with the proxy's host and port. */
  url: string;
  /** Cuts every connection through it and refuses new ones: the server's outage as its clients see it. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /**
   * Keeps every connection open, and accepts new ones, but passes nothing either way: a server that hangs, or a
   * network that drops packets without a reset, as its clients see it (their sockets stay open and silent).
   */
  stall(): void;
  /** Passes again what was held during the stall, then everything after it. */
  resume(): void;
  close(): Promise<void>;
}

/** Ports of the servers the tests proxy, for a URL that names none. */
const DEFAULT_PORTS: Record<string, number> = { 'redis:': 6379, 'postgres:': 5432, 'postgresql:': 5432 };

/**
 * A TCP proxy to the server at `serverUrl` (PostgreSQL, Redis) that can go down and come back on the same port, or go
 * silent, for tests of an outage without touching the run's shared server.
 */
export async function tcpProxy(serverUrl: string): Promise<TcpProxy> {
  const target = new URL(serverUrl);
  const targetHost = target.hostname;
  const targetPort = target.port ? Number(target.port) : DEFAULT_PORTS[target.protocol];
  if (targetPort === undefined) throw new Error(`tcpProxy: ${target.protocol} URL without a port`);
  const sockets = new Set<net.Socket>();
  let stalled = false;
  // Chunks held during a stall, in the order they came, with the socket each is for.
  let held: { to: net.Socket; chunk: Buffer }[] = [];
  const forward = (from: net.Socket, to: net.Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (stalled) held.push({ to, chunk });
      else to.write(chunk);
    });
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const through = new URL(serverUrl);
  through.hostname = '127.0.0.1';
  through.port = String(port);
  return {
    port,
    url: through.toString(),
    async down() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    up: () => listen(port),
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      const release = held;
      held = [];
      for (const { to, chunk } of release) if (!to.destroyed) to.write(chunk);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}
