/**
 * ClientRequest: one request as the UAC core sends it (RFC 3261 §8.1): resolve the next hop (or
 * take the caller's destination), stamp a Via with a fresh branch and `rport`, add our Contact
 * when asked, run it as a client transaction, and answer a 401/407 once with Digest credentials
 * in a fresh request (new CSeq, new branch). For an INVITE it also implements CANCEL (§9.1):
 * sent as soon as a provisional response shows the request arrived, and if no final response
 * follows within 64·T1, the INVITE is given up as cancelled (a local 487).
 */
import { EventEmitter } from 'node:events';
import { createResponse, formatVia, getHeader, parseCSeq, removeHeader, prependHeader, setHeader, toHeaderList, type HeaderInit } from '../message/index.ts';
import type { SipEndpoint, SipRequest, SipResponse, TransportProtocol } from '../message/types.ts';
import type { DigestClient } from '../auth/index.ts';
import { buildCancel, TimerSet, type ClientTransaction } from '../transaction/index.ts';
import { TransportError } from '../transport/index.ts';
import type { UacContext } from './context.ts';
import { newBranch } from './ids.ts';

export interface ClientRequestOptions {
  /** Send here instead of the request's next hop (e.g. a WebSocket flow with its connectionId). Default: resolve the next hop. */
  destination?: SipEndpoint;
  /** Answers 401/407 challenges (once per request; again only for stale nonces). Default: none, challenges are final. */
  auth?: DigestClient;
  /** CSeq number for a resend after a challenge. Default: the old number + 1. */
  nextCSeq?: () => number;
  /** Add our Contact unless the request has one (INVITE, UPDATE, REFER, NOTIFY…). Default false. */
  contact?: boolean;
  /** Whether the dialog is secure (a sips: Contact). Default false. */
  secure?: boolean;
}

export interface ClientRequestEvents {
  /** The request (or its resend after a challenge) went to the transaction layer. */
  sent: [request: SipRequest, destination: SipEndpoint];
  /** A 1xx response (100 Trying included). */
  provisional: [response: SipResponse];
  /** The final response, after any challenge was answered; local 408/503/487 included. */
  final: [response: SipResponse];
  /** INVITE: a further 2xx while the transaction is in Accepted (retransmission or another fork). */
  additional2xx: [response: SipResponse];
}

const MAX_AUTH_RETRIES = 2;

/** Responses made up locally (timeout, unreachable, cancelled without answer), not received from the peer. */
const localResponses = new WeakSet<SipResponse>();

/** True for a final response a ClientRequest made up itself (408 timeout, 503 unreachable, 487 given up) rather than received. */
export function isLocalResponse(response: SipResponse): boolean {
  return localResponses.has(response);
}

function local(response: SipResponse): SipResponse {
  localResponses.add(response);
  return response;
}

/** Replaces the request's Via with ours for `protocol`: our sent-by, `rport`, a fresh branch. */
export function setTopVia(context: Pick<UacContext, 'viaAddress'>, request: SipRequest, protocol: TransportProtocol): void {
  const sentBy = context.viaAddress(protocol);
  const via = formatVia({
    protocol: 'SIP/2.0',
    transport: protocol.toUpperCase(),
    host: sentBy.host,
    port: sentBy.port,
    params: { rport: null },
    branch: newBranch(),
  });
  if (getHeader(request, 'Via') !== undefined) removeHeader(request, 'Via');
  prependHeader(request, 'Via', via);
}

export class ClientRequest extends EventEmitter<ClientRequestEvents> {
  readonly #context: UacContext;
  readonly #options: ClientRequestOptions;
  #request: SipRequest;
  #destination: SipEndpoint | undefined;
  #transaction: ClientTransaction | undefined;
  #final: SipResponse | undefined;
  #authRetries = 0;
  #started = false;
  #provisional = false;
  #cancel: { headers: HeaderInit | undefined; sent: boolean } | undefined;
  readonly #timers: TimerSet;
  readonly #waiting: Array<(response: SipResponse) => void> = [];

  /** Prepares the request; nothing is sent until `start()`. */
  constructor(context: UacContext, request: SipRequest, options: ClientRequestOptions = {}) {
    super();
    this.#context = context;
    this.#options = options;
    this.#request = request;
    this.#timers = new TimerSet(context.timers);
  }

  /** The request as last sent (after a challenge: the resend with credentials). */
  get request(): SipRequest {
    return this.#request;
  }

  /** Where it went; undefined until resolved. */
  get destination(): SipEndpoint | undefined {
    return this.#destination;
  }

  /** The current client transaction (a new one after each challenge). */
  get transaction(): ClientTransaction | undefined {
    return this.#transaction;
  }

  /** The final response once there is one. */
  get finalResponse(): SipResponse | undefined {
    return this.#final;
  }

  /** Whether cancel() was called. */
  get cancelled(): boolean {
    return this.#cancel !== undefined;
  }

  /** Resolves with the final response (never rejects: failures are local 408/503 responses). */
  result(): Promise<SipResponse> {
    if (this.#final) return Promise.resolve(this.#final);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /**
   * INVITE only: cancels the request (§9.1). Sends CANCEL now if a provisional response came,
   * else as soon as one does. False when a final response already arrived (nothing to cancel).
   */
  cancel(headers?: HeaderInit): boolean {
    if (this.#final || this.#request.method !== 'INVITE') return false;
    if (this.#cancel) return true;
    this.#cancel = { headers, sent: false };
    if (!this.#transaction) return true; // not sent yet: it never will be (a local 487)
    if (this.#provisional) this.#sendCancel();
    return true;
  }

  /**
   * Sends the request (after resolving the next hop, synchronously when it is an IP literal).
   * Call once, after attaching listeners.
   */
  start(): this {
    if (this.#started) return this;
    this.#started = true;
    let resolved: SipEndpoint | Promise<SipEndpoint>;
    try {
      resolved = this.#options.destination ?? this.#context.resolve(this.#request);
    } catch (err) {
      this.#unreachable(err);
      return this;
    }
    if (resolved instanceof Promise) resolved.then((d) => this.#go(d), (err: unknown) => this.#unreachable(err));
    else this.#go(resolved);
    return this;
  }

  #unreachable(err: unknown): void {
    const reason = err instanceof TransportError ? `Service Unavailable (${err.code})` : 'Service Unavailable';
    this.#finish(local(createResponse(this.#request, 503, reason)));
  }

  #go(destination: SipEndpoint): void {
    this.#destination = destination;
    if (this.#cancel) {
      this.#finish(local(createResponse(this.#request, 487, 'Request Terminated')));
      return;
    }
    this.#prepare(this.#request);
    const auth = this.#options.auth;
    if (auth && auth.realms.length > 0) this.#authorize(this.#request, auth);
    this.#send();
  }

  /** Adds the top Via (fresh branch) and, when asked, our Contact. */
  #prepare(request: SipRequest): void {
    const destination = this.#destination!;
    setTopVia(this.#context, request, destination.protocol);
    if (this.#options.contact && getHeader(request, 'Contact') === undefined) {
      request.headers.push({ name: 'Contact', value: this.#context.contact(destination.protocol, this.#options.secure) });
    }
  }

  #authorize(request: SipRequest, auth: DigestClient): void {
    removeHeader(request, 'Authorization');
    removeHeader(request, 'Proxy-Authorization');
    request.headers.push(...auth.authorize({ method: request.method, uri: request.uri, body: request.body }));
  }

  #send(): void {
    const destination = this.#destination!;
    let transaction: ClientTransaction;
    try {
      transaction = this.#context.transactions.sendRequest(this.#request, destination);
    } catch {
      this.#finish(local(createResponse(this.#request, 503, 'Service Unavailable')));
      return;
    }
    this.#transaction = transaction;
    transaction.on('provisional', (response) => {
      if (transaction !== this.#transaction) return;
      this.#provisional = true;
      if (this.#cancel && !this.#cancel.sent) this.#sendCancel();
      this.emit('provisional', response);
    });
    transaction.on('additional2xx', (response) => this.emit('additional2xx', response));
    const onFinal = (response: SipResponse) => {
      if (transaction !== this.#transaction) return;
      if ((response.status === 401 || response.status === 407) && this.#retryWithCredentials(response)) return;
      this.#finish(response);
    };
    transaction.on('final', onFinal);
    transaction.on('timeout', (response) => onFinal(local(response)));
    transaction.on('transportError', (_error, response) => onFinal(local(response)));
    this.emit('sent', this.#request, destination);
  }

  #retryWithCredentials(challenge: SipResponse): boolean {
    const auth = this.#options.auth;
    if (!auth || this.#cancel || this.#authRetries >= MAX_AUTH_RETRIES) return false;
    if (!auth.onChallenge(challenge, this.#request).ok) return false;
    this.#authRetries++;
    const previous = this.#request;
    const seq = this.#options.nextCSeq?.() ?? parseCSeq(getHeader(previous, 'CSeq') ?? '0 X').seq + 1;
    const next: SipRequest = { ...previous, headers: previous.headers.map((h) => ({ ...h })) };
    setHeader(next, 'CSeq', `${seq} ${previous.method}`);
    this.#request = next;
    this.#prepare(next);
    this.#authorize(next, auth);
    this.#provisional = false;
    this.#send();
    return true;
  }

  #sendCancel(): void {
    const state = this.#cancel;
    const transaction = this.#transaction;
    if (!state || state.sent || !transaction || this.#final) return;
    state.sent = true;
    const cancel = buildCancel(transaction.request);
    if (state.headers) {
      // CANCEL's own headers (e.g. Reason) go before Content-Length, which buildCancel put last.
      const length = cancel.headers.pop()!;
      cancel.headers.push(...toHeaderList(state.headers), length);
    }
    try {
      this.#context.transactions.sendRequest(cancel, this.#destination!);
    } catch {
      /* the INVITE's own timers still end it */
    }
    // §9.1: no final response within 64·T1 of the CANCEL → consider the INVITE cancelled.
    this.#timers.start('cancel', 64 * this.#context.transactions.config.t1, () => {
      this.#finish(local(createResponse(transaction.request, 487, 'Request Terminated')));
    });
  }

  #finish(response: SipResponse): void {
    if (this.#final) return;
    this.#final = response;
    this.#timers.stopAll();
    for (const resolve of this.#waiting.splice(0)) resolve(response);
    this.emit('final', response);
  }
}
