/**
 * Shared types of the transaction layer: the transport interface it sits on (TransportLayer fits
 * it; tests inject a fake), transaction states, and the typed event maps of client and server
 * transactions.
 */
import type { SipEndpoint, SipMessage, SipRequest, SipResponse } from '../message/types.ts';
import type { TransportError } from '../transport/index.ts';

/** What the transaction layer needs from below: send, and a 'message' event. */
export interface TransactionTransport {
  /** Sends a request to `destination`, or a response back toward the request's source (§18.2.2). */
  send(message: SipMessage, destination: SipEndpoint): Promise<void>;
  on(event: 'message', listener: (message: SipMessage, source: SipEndpoint) => void): unknown;
  off(event: 'message', listener: (message: SipMessage, source: SipEndpoint) => void): unknown;
}

/** Client states (RFC 3261 Figures 5 and 6, RFC 6026 'accepted'). */
export type ClientTransactionState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

/** Server states (RFC 3261 Figures 7 and 8, RFC 6026 'accepted'). */
export type ServerTransactionState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export interface ClientTransactionEvents {
  /** A 1xx response. */
  provisional: [response: SipResponse];
  /** The first final response (2xx–6xx). For non-2xx INVITE responses the ACK is already sent. */
  final: [response: SipResponse];
  /** INVITE only: a further 2xx in the Accepted state (a retransmission or another fork; RFC 6026). */
  additional2xx: [response: SipResponse];
  /** Timer B or F fired without a final response; `response` is a locally made 408. */
  timeout: [response: SipResponse];
  /** The transport could not send; `response` is a locally made 503 (§8.1.3.1). */
  transportError: [error: TransportError, response: SipResponse];
  stateChange: [state: ClientTransactionState];
  /** The transaction is gone (after which nothing else is emitted). */
  terminated: [];
}

export interface ServerTransactionEvents {
  /** INVITE only: Timer H fired, no ACK came for our non-2xx final response. */
  timeout: [];
  /** A response could not be sent. */
  transportError: [error: TransportError];
  /** The CANCEL that targets this INVITE transaction arrived (the TU answers the CANCEL and then the INVITE with 487). */
  cancel: [cancel: SipRequest];
  stateChange: [state: ServerTransactionState];
  terminated: [];
}
