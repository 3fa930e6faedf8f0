/**
 * WsListener: accepts SIP-over-WebSocket upgrades (RFC 7118) on one path of an existing HTTP(S)
 * server. Upgrades for other paths are left alone (`handleUpgrade` returns false) so other
 * WebSocket routes on the same server keep working; upgrades on our path without the `sip`
 * subprotocol are refused with HTTP 400 (RFC 7118 §4.1 requires it).
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';

export interface WsListenerOptions {
  /** URL path to accept, e.g. '/sip'. */
  path: string;
  /** Largest frame accepted (ws closes the connection with 1009 beyond it). */
  maxPayload: number;
  /** Called for each accepted connection. */
  onConnection(ws: WebSocket, request: IncomingMessage): void;
}

const REFUSAL_BODY = "SIP over WebSocket requires the 'sip' subprotocol\n";
const REFUSAL =
  'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n' +
  `Content-Length: ${Buffer.byteLength(REFUSAL_BODY)}\r\n\r\n${REFUSAL_BODY}`;

function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function offersSip(request: IncomingMessage): boolean {
  const header = request.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((p) => p.trim() === 'sip');
}

export class WsListener {
  readonly #options: WsListenerOptions;
  readonly #wss: WebSocketServer;
  #server: HttpServer | undefined;
  #onServerUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;

  constructor(options: WsListenerOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayload,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
  }

  /** True when the server is https (so connections are 'wss'). */
  static isSecure(server: HttpServer): boolean {
    return server instanceof TlsServer;
  }

  /** Adds our 'upgrade' listener to `server`; it ignores paths other than ours. */
  attach(server: HttpServer): void {
    this.#server = server;
    this.#onServerUpgrade = (req, socket, head) => {
      this.handleUpgrade(req, socket, head);
    };
    server.on('upgrade', this.#onServerUpgrade);
  }

  /**
   * Offers an HTTP upgrade to the SIP WebSocket endpoint. Returns false (touching nothing) when
   * the path is not ours; true when we took the socket, either accepting it or answering 400.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (pathOf(request.url) !== this.#options.path) return false;
    if (!offersSip(request)) {
      socket.on('error', () => {});
      socket.end(REFUSAL);
      return true;
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#options.onConnection(ws, request));
    return true;
  }

  /** Detaches from the server and closes every connection it accepted. */
  close(): void {
    if (this.#server && this.#onServerUpgrade) this.#server.off('upgrade', this.#onServerUpgrade);
    this.#server = undefined;
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
  }
}
