/**
 * e2e harness: a loopback TCP proxy in front of the gateway's HTTP port, so a test can take the
 * network away from a browser: `cut(ms)` destroys every open connection (the dialer's SIP
 * WebSocket, its app-events socket) and refuses new ones for `ms`, then lets them through again.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #refuseUntil = 0;
  port = 0;

  private constructor(targetPort: number) {
    this.#server = createServer((client) => {
      if (Date.now() < this.#refuseUntil) return void client.destroy();
      const upstream = connect(targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const p = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => p.#server.listen(0, '127.0.0.1', resolve));
    p.port = (p.#server.address() as { port: number }).port;
    return p;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Open connections right now. */
  get connections(): number {
    return this.#sockets.size / 2;
  }

  /** Drops every connection and refuses new ones for `ms`. */
  cut(ms: number): void {
    this.#refuseUntil = Date.now() + ms;
    for (const s of this.#sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.cut(0);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
