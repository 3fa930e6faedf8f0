/**
 * TransactionLayer: the RFC 3261 §17 transaction layer on top of a transport. Outgoing requests
 * become client transactions; incoming requests are matched to server transactions (§17.2.3,
 * with the RFC 2543 fallback) or start new ones that are handed to the TU ('request'); incoming
 * responses are matched to client transactions (§17.1.3). What matches nothing goes to the TU
 * on its own event: ACKs for 2xx ('ack') and stray responses such as 2xx retransmissions after
 * the transaction ended ('strayResponse', §13.2.2.4). It also runs the UAS 2xx retransmission
 * of §13.3.1.4 for every 2xx sent to an INVITE, reporting 'ackTimeout' when no ACK comes.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createResponse, getToTag } from '../message/index.ts';
import type { SipEndpoint, SipMessage, SipRequest, SipResponse } from '../message/types.ts';
import type { ClientTransaction } from './client-transaction.ts';
import type { TransactionContext } from './context.ts';
import { Invite2xxRetransmitter } from './invite-2xx.ts';
import { InviteClientTransaction } from './invite-client.ts';
import { InviteServerTransaction } from './invite-server.ts';
import { ack2543Key, clientKey, clientKeyOfResponse, dialogAckKey, isRfc2543, serverKey, topBranch } from './keys.ts';
import { NonInviteClientTransaction } from './non-invite-client.ts';
import { NonInviteServerTransaction } from './non-invite-server.ts';
import type { ServerTransaction } from './server-transaction.ts';
import { resolveTimerConfig, systemTimers, type TimerService, type TransactionTimerOptions } from './timers.ts';
import type { TransactionTransport } from './types.ts';

export interface TransactionLayerOptions extends TransactionTimerOptions {
  /** Timer service; inject a FakeClock in tests. Default: Node's timers. */
  timers?: TimerService;
  /**
   * Retransmit every 2xx sent to an INVITE until its ACK arrives (§13.3.1.4) and emit
   * 'ackTimeout' after 64·T1. Turn off if a dialog layer drives Invite2xxRetransmitter itself. Default true.
   */
  retransmit2xx?: boolean;
  /** Logger for dropped messages. Default: none. */
  logger?: { debug(obj: object, msg?: string): void };
}

export interface TransactionLayerEvents {
  /** A new incoming request; answer it with `transaction.respond()`. Without a listener we answer 500. */
  request: [transaction: ServerTransaction];
  /** An ACK that belongs to no transaction (the ACK for a 2xx), or one matching an INVITE in Accepted. */
  ack: [ack: SipRequest, source: SipEndpoint];
  /** A response that matches no client transaction (e.g. a 2xx retransmission the UAC core must ACK again). */
  strayResponse: [response: SipResponse, source: SipEndpoint];
  /** §13.3.1.4: no ACK came for a 2xx within 64·T1; the TU should send BYE. */
  ackTimeout: [response: SipResponse, transaction: InviteServerTransaction];
  /** A listener threw or a message could not be handled; the layer keeps going. */
  error: [error: Error];
}

export interface TransactionLayerStats {
  clientTransactions: number;
  serverTransactions: number;
  /** 2xx responses waiting for their ACK. */
  pending2xx: number;
}

export class TransactionLayer extends EventEmitter<TransactionLayerEvents> {
  readonly #transport: TransactionTransport;
  readonly #context: TransactionContext;
  readonly #retransmit2xx: boolean;
  readonly #logger: TransactionLayerOptions['logger'];
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  readonly #serverKeys = new Map<ServerTransaction, string[]>();
  readonly #pending2xx = new Map<string, Invite2xxRetransmitter>();
  readonly #onMessage = (message: SipMessage, source: SipEndpoint) => this.receive(message, source);
  #closed = false;

  constructor(transport: TransactionTransport, options: TransactionLayerOptions = {}) {
    super();
    this.#transport = transport;
    this.#retransmit2xx = options.retransmit2xx ?? true;
    this.#logger = options.logger;
    this.#context = {
      transport,
      timers: options.timers ?? systemTimers,
      config: resolveTimerConfig(options),
      reportError: (error) => this.#reportError(error),
      onTerminated: (transaction) => this.#forget(transaction as ClientTransaction | ServerTransaction),
    };
    transport.on('message', this.#onMessage);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The resolved timer values (T1, T2, T4, D, 100 Trying delay). */
  get config(): TransactionContext['config'] {
    return { ...this.#context.config };
  }

  /**
   * Starts a client transaction for `request` (which must carry a top Via with a fresh
   * z9hG4bK branch) and sends it to `destination`. ACK is not a transaction: use `sendAck`.
   */
  sendRequest(request: SipRequest, destination: SipEndpoint): ClientTransaction {
    if (this.#closed) throw new Error('transaction layer is closed');
    if (request.method === 'ACK') throw new Error('ACK is sent with sendAck(), not in a transaction');
    const branch = topBranch(request);
    if (!branch) throw new Error('request needs a top Via with a branch parameter');
    const id = clientKey(branch, request.method);
    if (this.#clients.has(id)) throw new Error(`a client transaction ${id} already exists (reused branch?)`);
    const transaction =
      request.method === 'INVITE'
        ? new InviteClientTransaction(request, destination, this.#context)
        : new NonInviteClientTransaction(request, destination, this.#context);
    if (!transaction.terminated) this.#clients.set(transaction.id, transaction);
    return transaction;
  }

  /** Sends an ACK for a 2xx (its own "transaction", §13.2.2.4) straight to the transport. */
  sendAck(ack: SipRequest, destination: SipEndpoint): Promise<void> {
    return this.#transport.send(ack, destination);
  }

  /** The INVITE server transaction a CANCEL targets (§9.2), if it is still around. */
  findCancelTarget(cancel: SipRequest): InviteServerTransaction | undefined {
    try {
      const target = this.#servers.get(serverKey(cancel, 'INVITE'));
      return target instanceof InviteServerTransaction ? target : undefined;
    } catch {
      return undefined;
    }
  }

  getStats(): TransactionLayerStats {
    return { clientTransactions: this.#clients.size, serverTransactions: this.#serverKeys.size, pending2xx: this.#pending2xx.size };
  }

  /**
   * Feeds one message from the transport (wired to its 'message' event; public so other
   * sources can inject). Never throws.
   */
  receive(message: SipMessage, source: SipEndpoint): void {
    if (this.#closed) return;
    try {
      if (message.kind === 'response') this.#receiveResponse(message, source);
      else this.#receiveRequest(message, source);
    } catch (err) {
      this.#reportError(err as Error);
    }
  }

  /** Stops listening, ends every transaction and 2xx retransmission (no events but 'terminated'); idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport.off('message', this.#onMessage);
    for (const r of this.#pending2xx.values()) r.stop();
    this.#pending2xx.clear();
    for (const t of [...this.#clients.values()]) t.terminate();
    for (const t of [...this.#serverKeys.keys()]) t.terminate();
  }

  #receiveResponse(response: SipResponse, source: SipEndpoint): void {
    let key: string;
    try {
      key = clientKeyOfResponse(response);
    } catch (err) {
      this.#logger?.debug({ err }, 'dropped response without Via branch or CSeq');
      return;
    }
    const transaction = this.#clients.get(key);
    if (transaction) transaction.receiveResponse(response);
    else this.emit('strayResponse', response, source);
  }

  #receiveRequest(request: SipRequest, source: SipEndpoint): void {
    const key = serverKey(request);
    if (request.method === 'ACK') {
      this.#receiveAck(request, source, key);
      return;
    }
    const existing = this.#servers.get(key);
    if (existing) {
      existing.receiveRequest(request);
      return;
    }
    const transaction =
      request.method === 'INVITE'
        ? new InviteServerTransaction(key, request, source, this.#context)
        : new NonInviteServerTransaction(key, request, source, this.#context);
    const keys = [key];
    if (request.method === 'INVITE' && isRfc2543(request)) keys.push(ack2543Key(request));
    for (const k of keys) this.#servers.set(k, transaction);
    this.#serverKeys.set(transaction, keys);
    if (request.method === 'INVITE' && this.#retransmit2xx) this.#watch2xx(transaction as InviteServerTransaction);
    if (request.method === 'BYE') this.#stop2xxOfDialog(request);
    if (request.method === 'CANCEL') {
      const target = this.findCancelTarget(request);
      transaction.cancelTarget = target;
      if (target) this.#guard(() => target.emit('cancel', request));
    }
    if (this.listenerCount('request') === 0) {
      this.#logger?.debug({ method: request.method }, 'no TU listening; answering 500');
      transaction.respond(createResponse(request, 500, 'No Transaction User', { toTag: randomBytes(6).toString('hex') }));
      return;
    }
    this.emit('request', transaction);
  }

  #receiveAck(ack: SipRequest, source: SipEndpoint, key: string): void {
    let transaction = this.#servers.get(key);
    if (!transaction && isRfc2543(ack)) {
      // RFC 2543: match on Request-URI, From tag, Call-ID, CSeq number, top Via, and the To tag we sent.
      const candidate = this.#servers.get(ack2543Key(ack));
      const sent = candidate?.lastResponse;
      if (candidate && sent && getToTag(sent) === getToTag(ack)) transaction = candidate;
    }
    if (transaction && transaction.receiveRequest(ack) === 'absorbed') return;
    // An ACK for a 2xx: stop retransmitting that 2xx, then tell the TU.
    try {
      const retransmitter = this.#pending2xx.get(dialogAckKey(ack));
      retransmitter?.acknowledge(ack);
    } catch {
      /* an ACK without usable dialog identifiers still goes to the TU */
    }
    this.emit('ack', ack, source);
  }

  /**
   * A BYE in a dialog whose 2xx still awaits its ACK means the ACK was lost and the dialog is
   * ending anyway: stop retransmitting that 2xx (no stray 200s, no ackTimeout for a dead dialog).
   */
  #stop2xxOfDialog(bye: SipRequest): void {
    if (this.#pending2xx.size === 0) return;
    let prefix: string;
    try {
      const key = dialogAckKey(bye);
      prefix = key.slice(0, key.lastIndexOf('|') + 1);
    } catch {
      return;
    }
    for (const [key, retransmitter] of this.#pending2xx) if (key.startsWith(prefix)) retransmitter.stop();
  }

  /** Starts a 2xx retransmitter whenever the TU answers this INVITE with a 2xx. */
  #watch2xx(transaction: InviteServerTransaction): void {
    const onState = (state: string) => {
      if (state !== 'accepted') return;
      transaction.off('stateChange', onState);
      const response = transaction.lastResponse!;
      const retransmitter = new Invite2xxRetransmitter({
        response,
        send: (r) => (transaction.terminated ? this.#transport.send(r, transaction.source) : Promise.resolve(void transaction.respond(r))),
        timers: this.#context.timers,
        config: this.#context.config,
      });
      const key = retransmitter.key;
      this.#pending2xx.get(key)?.stop();
      this.#pending2xx.set(key, retransmitter);
      retransmitter.once('stopped', () => {
        if (this.#pending2xx.get(key) === retransmitter) this.#pending2xx.delete(key);
      });
      retransmitter.on('ackTimeout', (r) => this.#guard(() => this.emit('ackTimeout', r, transaction)));
      retransmitter.on('transportError', (err) => this.#logger?.debug({ err }, '2xx retransmission failed'));
    };
    transaction.on('stateChange', onState);
  }

  #forget(transaction: ClientTransaction | ServerTransaction): void {
    if (this.#clients.get(transaction.id) === transaction) this.#clients.delete(transaction.id);
    const keys = this.#serverKeys.get(transaction as ServerTransaction);
    if (keys) {
      this.#serverKeys.delete(transaction as ServerTransaction);
      for (const k of keys) if (this.#servers.get(k) === transaction) this.#servers.delete(k);
    }
  }

  #guard(body: () => void): void {
    try {
      body();
    } catch (err) {
      this.#reportError(err as Error);
    }
  }

  #reportError(error: Error): void {
    if (this.listenerCount('error') === 0) {
      this.#logger?.debug({ err: error }, 'transaction layer error');
      return;
    }
    try {
      this.emit('error', error);
    } catch {
      /* nowhere left to report */
    }
  }
}
