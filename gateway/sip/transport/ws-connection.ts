/**
 * WsConnection: one SIP-over-WebSocket connection (RFC 7118). Each text or binary frame carries
 * exactly one SIP message (§5); we send text frames when the message is valid UTF-8 and binary
 * otherwise. Frames holding only CRLFs are keep-alives: a CRLFCRLF ping gets a CRLF pong.
 */
import { isUtf8 } from 'node:buffer';
import type { WebSocket, RawData } from 'ws';
import { parseMessage } from '../message/index.ts';
import { SipParseError } from '../message/types.ts';
import { guarded, normalizeAddress, type Connection, type ConnectionHandlers } from './connection.ts';
import { TransportError } from './errors.ts';

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** True for a frame made only of CR/LF characters. */
export function isKeepAlive(data: Buffer): boolean {
  if (data.length === 0) return true;
  for (const byte of data) if (byte !== 0x0d && byte !== 0x0a) return false;
  return true;
}

export interface WsConnectionOptions {
  id: string;
  protocol: 'ws' | 'wss';
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  maxMessageSize: number;
}

export class WsConnection implements Connection {
  readonly id: string;
  readonly protocol: 'ws' | 'wss';
  readonly outbound = false;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly #ws: WebSocket;
  readonly #handlers: ConnectionHandlers;
  #closed = false;

  constructor(ws: WebSocket, options: WsConnectionOptions, handlers: ConnectionHandlers) {
    this.id = options.id;
    this.protocol = options.protocol;
    this.remoteAddress = normalizeAddress(options.remoteAddress);
    this.remotePort = options.remotePort;
    this.localAddress = normalizeAddress(options.localAddress);
    this.localPort = options.localPort;
    this.#ws = ws;
    this.#handlers = handlers;
    ws.on('message', (data: RawData) => this.#onFrame(toBuffer(data), options.maxMessageSize));
    ws.on('error', (err) => this.#safe(() => this.#handlers.onError(err, this)));
    ws.on('close', () => this.#onClosed());
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(data: Buffer): Promise<void> {
    if (this.#closed || this.#ws.readyState !== this.#ws.OPEN) {
      return Promise.reject(new TransportError('ECLOSED', `connection ${this.id} is closed`));
    }
    return new Promise((resolve, reject) => {
      const payload = isUtf8(data) ? data.toString('utf8') : data;
      this.#ws.send(payload, { binary: typeof payload !== 'string' }, (err) =>
        err ? reject(TransportError.from(err)) : resolve(),
      );
    });
  }

  close(): void {
    if (this.#closed) return;
    try {
      this.#ws.close(1000);
    } catch {
      this.#ws.terminate();
    }
    this.#onClosed();
  }

  #onFrame(data: Buffer, maxMessageSize: number): void {
    if (isKeepAlive(data)) {
      if (data.includes('\r\n\r\n')) this.send(Buffer.from('\r\n')).catch(() => {});
      return;
    }
    this.#safe(() => {
      let message;
      try {
        message = parseMessage(data, { maxMessageSize });
      } catch (err) {
        if (!(err instanceof SipParseError)) throw err;
        this.#handlers.onUnparseable(data, err, this);
        return;
      }
      this.#handlers.onMessage(message, this);
    });
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
