/**
 * ServerTransaction: what the INVITE and non-INVITE server transactions share (RFC 3261 §17.2):
 * the request and where it came from, the matching keys the layer files it under, sending
 * responses back through the transport (§18.2.2 routing happens there), the last response for
 * answering retransmissions, and the walk to 'terminated'.
 */
import { EventEmitter } from 'node:events';
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import { TransportError } from '../transport/index.ts';
import type { TransactionContext } from './context.ts';
import { TimerSet } from './timers.ts';
import type { ServerTransactionEvents, ServerTransactionState } from './types.ts';

/** What the layer should do with a request that matched an existing server transaction. */
export type MatchedRequestOutcome = 'absorbed' | 'passToTu';

export abstract class ServerTransaction extends EventEmitter<ServerTransactionEvents> {
  /** Primary matching key (§17.2.3, or the RFC 2543 fallback key). */
  readonly id: string;
  readonly method: string;
  readonly request: SipRequest;
  /** Where the request came from (with connectionId for TCP/TLS/WS); responses go back this way. */
  readonly source: SipEndpoint;
  /** True over TCP/TLS/WS: no retransmissions, and timers I/J are zero. */
  readonly reliable: boolean;
  /** For a CANCEL: the INVITE server transaction it cancels, when one matched (§9.2); else undefined. */
  cancelTarget: ServerTransaction | undefined;
  protected readonly context: TransactionContext;
  protected readonly timers: TimerSet;
  #state: ServerTransactionState;
  #lastResponse: SipResponse | undefined;

  protected constructor(
    id: string,
    request: SipRequest,
    source: SipEndpoint,
    context: TransactionContext,
    initial: ServerTransactionState,
  ) {
    super();
    this.id = id;
    this.method = request.method;
    this.request = request;
    this.source = source;
    this.reliable = source.protocol !== 'udp';
    this.context = context;
    this.timers = new TimerSet(context.timers);
    this.#state = initial;
  }

  get state(): ServerTransactionState {
    return this.#state;
  }

  get terminated(): boolean {
    return this.#state === 'terminated';
  }

  /** The most recent response handed to the transport (what retransmissions are answered with). */
  get lastResponse(): SipResponse | undefined {
    return this.#lastResponse;
  }

  /** Timers running now (for tests and diagnostics). */
  runningTimers(): string[] {
    return this.timers.running();
  }

  /**
   * Sends a response from the TU. Returns false (sending nothing) when the state does not allow
   * it, e.g. a second final response, or anything after 'terminated'.
   */
  abstract respond(response: SipResponse): boolean;

  /** Layer-internal: a retransmission (or, for INVITE, an ACK) matched this transaction. */
  abstract receiveRequest(request: SipRequest): MatchedRequestOutcome;

  /** Ends the transaction now without telling the TU anything but 'terminated' (layer shutdown). */
  terminate(): void {
    this.setState('terminated');
  }

  protected transmit(response: SipResponse): void {
    this.#lastResponse = response;
    this.retransmit();
  }

  /** Sends the last response again. */
  protected retransmit(): void {
    const response = this.#lastResponse;
    if (!response) return;
    this.context.transport.send(response, this.source).catch((err: unknown) => {
      this.guard(() => this.transportFailed(TransportError.from(err, this.source)));
    });
  }

  /** Default reaction to a transport failure: tell the TU and terminate (Figures 7 and 8). */
  protected transportFailed(error: TransportError): void {
    if (this.terminated) return;
    this.setState('terminated', () => this.emit('transportError', error));
  }

  protected startTimer(name: string, ms: number, body: () => void): void {
    this.timers.start(name, ms, () => this.guard(body));
  }

  protected guard(body: () => void): void {
    try {
      body();
    } catch (err) {
      this.context.reportError(err as Error);
    }
  }

  /** Moves to `state`; `beforeTerminated` runs after the change but before 'terminated' is emitted. */
  protected setState(state: ServerTransactionState, beforeTerminated?: () => void): void {
    if (this.#state === state || this.#state === 'terminated') return;
    this.#state = state;
    if (state === 'terminated') this.timers.stopAll();
    try {
      this.emit('stateChange', state);
      beforeTerminated?.();
    } finally {
      if (state === 'terminated') {
        this.context.onTerminated(this);
        this.emit('terminated');
      }
    }
  }
}
