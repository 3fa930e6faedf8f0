/**
 * ClientTransaction: what the INVITE and non-INVITE client transactions share (RFC 3261 §17.1):
 * identity (branch + method), sending through the transport with failures turned into a
 * 'transportError' + local 503, timeouts into 'timeout' + local 408, the first final response
 * as `result()`, and the walk to 'terminated'.
 */
import { EventEmitter } from 'node:events';
import type { SipEndpoint, SipMessage, SipRequest, SipResponse } from '../message/types.ts';
import { TransportError } from '../transport/index.ts';
import type { TransactionContext } from './context.ts';
import { clientKey, topBranch } from './keys.ts';
import { localResponse } from './local-response.ts';
import { TimerSet } from './timers.ts';
import type { ClientTransactionEvents, ClientTransactionState } from './types.ts';

export abstract class ClientTransaction extends EventEmitter<ClientTransactionEvents> {
  /** Matching key: top-Via branch + method. */
  readonly id: string;
  readonly branch: string;
  readonly method: string;
  readonly request: SipRequest;
  readonly destination: SipEndpoint;
  /** True over TCP/TLS/WS: no retransmissions, and timers D/K are zero. */
  readonly reliable: boolean;
  protected readonly context: TransactionContext;
  protected readonly timers: TimerSet;
  #state: ClientTransactionState;
  #outcome: SipResponse | undefined;
  readonly #waiting: Array<(response: SipResponse) => void> = [];

  protected constructor(request: SipRequest, destination: SipEndpoint, context: TransactionContext, initial: ClientTransactionState) {
    super();
    const branch = topBranch(request);
    if (!branch) throw new Error('client transaction needs a top Via with a branch');
    this.branch = branch;
    this.method = request.method;
    this.id = clientKey(branch, request.method);
    this.request = request;
    this.destination = destination;
    this.reliable = destination.protocol !== 'udp';
    this.context = context;
    this.timers = new TimerSet(context.timers);
    this.#state = initial;
  }

  get state(): ClientTransactionState {
    return this.#state;
  }

  get terminated(): boolean {
    return this.#state === 'terminated';
  }

  /** Resolves with the first final response, or the local 408 (timeout) / 503 (transport error). Never rejects. */
  result(): Promise<SipResponse> {
    if (this.#outcome) return Promise.resolve(this.#outcome);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Timers running now (for tests and diagnostics). */
  runningTimers(): string[] {
    return this.timers.running();
  }

  /** Layer-internal: a response matched this transaction. */
  abstract receiveResponse(response: SipResponse): void;

  /** Ends the transaction now without telling the TU anything but 'terminated' (layer shutdown). */
  terminate(): void {
    this.setState('terminated');
  }

  protected transmit(message: SipMessage): void {
    this.context.transport.send(message, this.destination).catch((err: unknown) => {
      this.guard(() => this.transportFailed(TransportError.from(err, this.destination)));
    });
  }

  /** Runs a timer body with TU exceptions routed to the layer. */
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

  protected deliverFinal(response: SipResponse): void {
    this.#settle(response);
    this.emit('final', response);
  }

  protected timedOut(): void {
    if (this.terminated) return;
    const response = localResponse(this.request, 408, 'Request Timeout');
    this.#settle(response);
    this.setState('terminated', () => this.emit('timeout', response));
  }

  protected transportFailed(error: TransportError): void {
    if (this.terminated) return;
    const response = localResponse(this.request, 503, 'Service Unavailable');
    this.#settle(response);
    this.setState('terminated', () => this.emit('transportError', error, response));
  }

  /**
   * Moves to `state`. `beforeTerminated` runs after the state changed but before 'terminated'
   * is emitted, so a TU hearing 'timeout' already sees state 'terminated'.
   */
  protected setState(state: ClientTransactionState, beforeTerminated?: () => void): void {
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

  #settle(response: SipResponse): void {
    if (this.#outcome) return;
    this.#outcome = response;
    for (const resolve of this.#waiting.splice(0)) resolve(response);
  }
}
