import net from 'node:net';

export interface TcpProxy {
  /** The port it listens on (127.0.0.1), the same after down() and up(). */
  port: number;
  /** `from` (a URL) with its host and port replaced by the proxy's. */
  url(from: string): string;
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

/**
 * A TCP proxy to a server (PostgreSQL, Redis) that can go down and come back on the same port, or go silent, for
 * tests of an outage without touching the run's shared server.
 */
export async function tcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
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
  return {
    port,
    url(from: string): string {
      const u = new URL(from);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
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
