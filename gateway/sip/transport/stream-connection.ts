/**
 * StreamConnection: one TCP or TLS connection carrying SIP (RFC 3261 §18.3). Frames the byte
 * stream with the message layer's StreamFramer, answers CRLFCRLF pings with a CRLF pong
 * (RFC 5626 §3.5.1), closes itself on a framing error (the stream cannot be resynchronised) or
 * after `idleTimeoutMs` without traffic, and reports through ConnectionHandlers.
 */
import type { Socket } from 'node:net';
import { guarded, normalizeAddress, type Connection, type ConnectionHandlers } from './connection.ts';
import { TransportError } from './errors.ts';
import { StreamFramer } from '../message/index.ts';

const PONG = Buffer.from('\r\n');

export interface StreamConnectionOptions {
  id: string;
  protocol: 'tcp' | 'tls';
  outbound: boolean;
  /** Close after this many ms without traffic; 0 disables. */
  idleTimeoutMs: number;
  maxMessageSize: number;
}

export class StreamConnection implements Connection {
  readonly id: string;
  readonly protocol: 'tcp' | 'tls';
  readonly outbound: boolean;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly #socket: Socket;
  readonly #handlers: ConnectionHandlers;
  readonly #framer: StreamFramer;
  #closed = false;

  constructor(socket: Socket, options: StreamConnectionOptions, handlers: ConnectionHandlers) {
    this.id = options.id;
    this.protocol = options.protocol;
    this.outbound = options.outbound;
    this.remoteAddress = normalizeAddress(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = normalizeAddress(socket.localAddress ?? '');
    this.localPort = socket.localPort ?? 0;
    this.#socket = socket;
    this.#handlers = handlers;
    this.#framer = new StreamFramer({ maxMessageSize: options.maxMessageSize })
      .onMessage((message) => this.#safe(() => this.#handlers.onMessage(message, this)))
      .onKeepalive((kind) => {
        if (kind === 'ping' && !this.#socket.destroyed) this.#socket.write(PONG);
      })
      .onError((error, info) => {
        if (info.fatal) {
          this.#safe(() => this.#handlers.onError(error, this));
          this.close();
        } else if (info.raw) {
          const raw = info.raw;
          this.#safe(() => this.#handlers.onUnparseable(raw, error, this));
        }
      });
    socket.setNoDelay(true);
    if (options.idleTimeoutMs > 0) {
      socket.setTimeout(options.idleTimeoutMs, () => this.close());
    }
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => {
      // ECONNRESET and friends end the connection; 'close' follows and does the bookkeeping.
      this.#safe(() => this.#handlers.onError(err, this));
    });
    socket.on('close', () => this.#onClosed());
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(data: Buffer): Promise<void> {
    if (this.#closed || this.#socket.destroyed || !this.#socket.writable) {
      return Promise.reject(new TransportError('ECLOSED', `connection ${this.id} is closed`));
    }
    return new Promise((resolve, reject) => {
      this.#socket.write(data, (err) => (err ? reject(TransportError.from(err)) : resolve()));
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#socket.destroy();
    this.#onClosed();
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    try {
      this.#framer.push(chunk); // messages, keep-alives and errors arrive through the callbacks
    } catch (err) {
      this.#safe(() => this.#handlers.onError(err as Error, this));
      this.close();
    }
  }

  #onClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#safe(() => this.#handlers.onClose(this));
  }

  #safe(fn: () => void): void {
    guarded(this.#handlers, this, fn);
  }

}
