/**
 * The Connection contract shared by TCP, TLS and WebSocket connections: an id, who is on the
 * other end, a way to send one serialized message, and an idempotent close.
 */
import type { SipMessage, SipParseError, TransportProtocol } from '../message/types.ts';

export type ConnectionProtocol = Exclude<TransportProtocol, 'udp'>;

export interface Connection {
  /** Unique for the life of the TransportLayer, e.g. 'tcp-3'; carried as SipEndpoint.connectionId. */
  readonly id: string;
  readonly protocol: ConnectionProtocol;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** True when we opened it (connect on demand), false when the peer did. */
  readonly outbound: boolean;
  readonly closed: boolean;
  /** Writes one message (or keep-alive); rejects with TransportError if the connection is gone. */
  send(data: Buffer): Promise<void>;
  /** Closes the connection; idempotent. The owner is told through its onClose callback. */
  close(): void;
}

/** Callbacks a connection reports through (the TransportLayer wires them). */
export interface ConnectionHandlers {
  /** One parsed message (keep-alives never get here). */
  onMessage(message: SipMessage, connection: Connection): void;
  /** A complete message the parser rejected, with its bytes (so a request can get a 400). */
  onUnparseable(raw: Buffer, error: SipParseError, connection: Connection): void;
  /** The connection is gone (called once). */
  onClose(connection: Connection): void;
  /** A socket/framing problem; the connection decides itself whether to close. */
  onError(error: Error, connection: Connection): void;
}

/** '::ffff:127.0.0.1' → '127.0.0.1'; everything else unchanged. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Runs a handler call so that nothing it throws escapes a socket callback: the error goes to
 * `onError`, and if that throws too it is dropped (the last line of defence for every connection).
 */
export function guarded(handlers: ConnectionHandlers, connection: Connection, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    try {
      handlers.onError(err as Error, connection);
    } catch {
      /* nothing left to tell */
    }
  }
}
