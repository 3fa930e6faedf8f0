/**
 * What the dialog layer borrows from the user agent that owns it: the transaction layer, timers,
 * our addresses for Via and Contact, next-hop resolution, the capability headers we advertise,
 * and session-timer settings. `UserAgent` implements it; the dialog layer never reaches past it.
 */
import type { SipEndpoint, SipRequest, TransportProtocol } from '../message/types.ts';
import type { TimerService, TransactionLayer } from '../transaction/index.ts';

/** What a ClientRequest needs to put a request on the wire. */
export interface UacContext {
  readonly transactions: TransactionLayer;
  readonly timers: TimerService;
  /** Our sent-by for a Via on `protocol`. */
  viaAddress(protocol: TransportProtocol): { host: string; port: number };
  /** Our Contact header value (name-addr) for requests and responses sent over `protocol`. */
  contact(protocol: TransportProtocol, secure?: boolean): string;
  /** Where a request without an explicit destination goes (next hop; synchronous for IP literals). */
  resolve(request: SipRequest): SipEndpoint | Promise<SipEndpoint>;
}

/** Session timer settings (RFC 4028). */
export interface SessionTimerSettings {
  /** Smallest session interval we accept, seconds (422 below it). */
  minSE: number;
  /** How we refresh when we are the refresher: UPDATE when the peer allows it ('auto'), or always one method. */
  refreshMethod: 'auto' | 'UPDATE' | 'INVITE';
}

/** Everything a Dialog borrows from its user agent. */
export interface DialogContext extends UacContext {
  /** Random numbers in [0, 1) for the 491 back-off (injectable for tests). */
  random(): number;
  /** Methods we accept (Allow). */
  readonly allow: readonly string[];
  /** Extensions we support (Supported). */
  readonly supported: readonly string[];
  /** Body types we accept (Accept) in answers to OPTIONS. */
  readonly accept: readonly string[];
  /** User-Agent / Server header value, if any. */
  readonly userAgent: string | undefined;
  readonly sessionTimers: SessionTimerSettings;
}
