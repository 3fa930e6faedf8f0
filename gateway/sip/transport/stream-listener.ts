/**
 * StreamListener: a listening TCP or TLS server for SIP (RFC 3261 §18.3, §26.2). It only accepts
 * sockets and hands them over; framing and bookkeeping live in StreamConnection / TransportLayer.
 */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';

export class StreamListener {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  /**
   * Binds (port 0 = OS-assigned). For TLS pass `tlsOptions` (cert, key, …); `onSocket` gets each
   * accepted socket (after the TLS handshake for TLS). Handshake failures are reported to `onError`.
   */
  static listen(
    host: string,
    port: number,
    tlsOptions: TlsOptions | undefined,
    onSocket: (socket: Socket) => void,
    onError: (error: Error) => void,
  ): Promise<StreamListener> {
    let listener: StreamListener;
    const accept = (socket: Socket) => {
      listener.#sockets.add(socket);
      socket.once('close', () => listener.#sockets.delete(socket));
      try {
        onSocket(socket);
      } catch (err) {
        onError(err as Error);
        socket.destroy();
      }
    };
    const server = tlsOptions
      ? createTlsServer(tlsOptions, accept).on('tlsClientError', (err, socket) => {
          socket.destroy();
          onError(err);
        })
      : createTcpServer(accept);
    listener = new StreamListener(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', onError);
        resolve(listener);
      });
    });
  }

  get address(): string {
    const a = this.#server.address();
    return a && typeof a === 'object' ? a.address : '';
  }

  get port(): number {
    const a = this.#server.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  /** Stops listening and destroys every accepted socket still open. */
  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
