/**
 * FakeTransport: an in-memory TransactionTransport for tests of this and higher layers. Records
 * what is sent, can fail sends with a TransportError, and injects received messages.
 */
import { EventEmitter } from 'node:events';
import type { SipEndpoint, SipMessage } from '../message/types.ts';
import { TransportError } from '../transport/index.ts';
import type { TransactionTransport } from './types.ts';

export interface SentMessage {
  message: SipMessage;
  destination: SipEndpoint;
}

export class FakeTransport extends EventEmitter<{ message: [message: SipMessage, source: SipEndpoint] }> implements TransactionTransport {
  /** Everything passed to send(), oldest first (failed sends included). */
  readonly sent: SentMessage[] = [];
  /** When set, send() rejects with the TransportError it returns (undefined = deliver). */
  failWith: ((message: SipMessage, destination: SipEndpoint) => TransportError | undefined) | undefined;

  send(message: SipMessage, destination: SipEndpoint): Promise<void> {
    this.sent.push({ message, destination });
    const error = this.failWith?.(message, destination);
    return error ? Promise.reject(error) : Promise.resolve();
  }

  /** Delivers `message` to listeners as if it arrived from `source`. */
  receive(message: SipMessage, source: SipEndpoint): void {
    this.emit('message', message, source);
  }

  /** Returns and forgets what was sent so far. */
  take(): SentMessage[] {
    return this.sent.splice(0);
  }

  /** Convenience: fail every send with `code`. */
  failAll(code: TransportError['code'] = 'ECONNREFUSED'): void {
    this.failWith = (_m, destination) => new TransportError(code, `fake ${code}`, { destination });
  }
}
