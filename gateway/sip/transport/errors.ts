/**
 * TransportError: the one error type the transport layer rejects `send()` with, so the transaction
 * layer can turn any delivery failure into a 503 for its TU (RFC 3261 §8.1.3.1, §17.1.4).
 */
import type { SipEndpoint } from '../message/types.ts';

/**
 * Why a message could not be delivered.
 * - `ECONNREFUSED` / `EHOSTUNREACH` / `ENOTFOUND`: the peer or its name is unreachable.
 * - `ETIMEDOUT`: an outbound TCP/TLS connect did not complete in time.
 * - `ECLOSED`: the connection closed (or was reset) before or while sending.
 * - `ENOCONNECTION`: WebSocket peers can only be reached over the connection they opened; there is none.
 * - `ENOTRANSPORT`: we are not listening on that protocol (or the layer is closed).
 * - `EBADDEST`: the destination (or a response's Via) cannot be turned into an address.
 * - `ESEND`: any other socket failure.
 */
export type TransportErrorCode =
  | 'ECONNREFUSED'
  | 'EHOSTUNREACH'
  | 'ENOTFOUND'
  | 'ETIMEDOUT'
  | 'ECLOSED'
  | 'ENOCONNECTION'
  | 'ENOTRANSPORT'
  | 'EBADDEST'
  | 'ESEND';

const ERRNO_MAP: Record<string, TransportErrorCode> = {
  ECONNREFUSED: 'ECONNREFUSED',
  EHOSTUNREACH: 'EHOSTUNREACH',
  ENETUNREACH: 'EHOSTUNREACH',
  EHOSTDOWN: 'EHOSTUNREACH',
  EADDRNOTAVAIL: 'EHOSTUNREACH',
  ENOTFOUND: 'ENOTFOUND',
  EAI_AGAIN: 'ENOTFOUND',
  ETIMEDOUT: 'ETIMEDOUT',
  ECONNRESET: 'ECLOSED',
  EPIPE: 'ECLOSED',
  ERR_STREAM_DESTROYED: 'ECLOSED',
  ERR_STREAM_WRITE_AFTER_END: 'ECLOSED',
  ERR_SOCKET_DGRAM_NOT_RUNNING: 'ENOTRANSPORT',
};

export class TransportError extends Error {
  /** What went wrong, as a value to switch on. */
  readonly code: TransportErrorCode;
  /** Where we were trying to send, when known. */
  readonly destination?: SipEndpoint;

  constructor(code: TransportErrorCode, message: string, options: { destination?: SipEndpoint; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.code = code;
    this.destination = options.destination;
  }

  /** Wraps any socket error (a TransportError passes through, gaining `destination` if it had none), mapping errno codes. */
  static from(err: unknown, destination?: SipEndpoint): TransportError {
    if (err instanceof TransportError) {
      if (err.destination || !destination) return err;
      return new TransportError(err.code, err.message, { destination, cause: err.cause });
    }
    const errno = (err as { code?: unknown } | null)?.code;
    const code = (typeof errno === 'string' && ERRNO_MAP[errno]) || 'ESEND';
    const where = destination ? ` to ${destination.protocol}:${destination.address}:${destination.port}` : '';
    const text = err instanceof Error ? err.message : String(err);
    return new TransportError(code, `send${where} failed: ${text}`, { destination, cause: err });
  }
}
