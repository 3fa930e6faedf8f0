/**
 * WsSipTransport: a SIP-over-WebSocket client (RFC 7118) for test phones — one `ws` connection to
 * the gateway's /sip endpoint, as a browser's JsSIP keeps; every message we send goes over it,
 * every frame received is parsed and reported from the gateway's endpoint. Implements the
 * transaction layer's transport contract, so our own UserAgent runs on it unchanged.
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { parseMessage, serializeMessage, type SipEndpoint, type SipMessage, type TransactionTransport } from '../../sip/index.ts';

export class WsSipTransport extends EventEmitter<{ message: [message: SipMessage, source: SipEndpoint] }> implements TransactionTransport {
  readonly #ws: WebSocket;
  readonly #peer: SipEndpoint;

  /** Connect to `url` (e.g. ws://127.0.0.1:8080/sip) with the `sip` subprotocol. */
  static connect(url: string): Promise<WsSipTransport> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'sip');
      ws.once('open', () => resolve(new WsSipTransport(ws, url)));
      ws.once('error', reject);
    });
  }

  private constructor(ws: WebSocket, url: string) {
    super();
    this.#ws = ws;
    const u = new URL(url);
    this.#peer = { protocol: 'ws', address: u.hostname, port: Number(u.port) };
    ws.on('message', (data: Buffer) => {
      let message: SipMessage;
      try {
        message = parseMessage(Buffer.from(data));
      } catch {
        return;
      }
      this.emit('message', message, this.#peer);
    });
  }

  send(message: SipMessage): Promise<void> {
    return new Promise((resolve, reject) => this.#ws.send(serializeMessage(message).toString('utf8'), (err) => (err ? reject(err) : resolve())));
  }

  close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.#ws.once('close', () => resolve());
      this.#ws.close();
    });
  }
}
