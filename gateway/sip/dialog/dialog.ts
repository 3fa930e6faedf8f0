/**
 * Dialog: one SIP dialog (RFC 3261 §12–15) as a lifecycle object — early or confirmed, UAC or
 * UAS side — and everything that happens inside it: re-INVITE and UPDATE offers both ways with
 * 491 glare handling (§14.1, RFC 3311), INFO with DTMF (RFC 6086), REFER with its NOTIFY
 * subscription (RFC 3515), BYE both ways, OPTIONS, session timers (RFC 4028), the ACK for 2xx
 * (§13.2.2.4, re-sent on 2xx retransmissions), waiting for the ACK of our 2xx (§13.3.1.4), the
 * CSeq rules (§12.2.2) and target refresh. Requests the peer sends are handed in by the user
 * agent (`handleRequest`, `handleAck`…); everything we send goes through a ClientRequest, so
 * Digest challenges are answered for every in-dialog request.
 */
import { EventEmitter } from 'node:events';
import {
  createResponse,
  formatNameAddr,
  getHeader,
  getHeaders,
  getRouteSet,
  parseContentType,
  parseCSeq,
  parseTokenList,
  parseUri,
  toHeaderList,
  type HeaderInit,
} from '../message/index.ts';
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import type { DigestClient } from '../auth/index.ts';
import { TimerSet, type ServerTransaction } from '../transaction/index.ts';
import { ClientRequest, setTopVia } from './client-request.ts';
import type { DialogContext } from './context.ts';
import { buildInDialogRequest, dialogKey, refreshTarget, type DialogId, type DialogState, type InDialogRequestInit } from './dialog-state.ts';
import { DTMF_RELAY, formatDtmfBody, parseDtmfBody, type DtmfEvent } from './dtmf.ts';
import { glareRetryDelay } from './glare.ts';
import { IncomingOffer, type OfferAnswer } from './incoming-offer.ts';
import { IncomingRefer, ReferSubscription } from './refer.ts';
import {
  getMinSE,
  negotiateAsUac,
  negotiateAsUas,
  SessionTimer,
  uasSessionHeaders,
  formatSessionExpires,
  type UasSessionDecision,
} from './session-timer.ts';
import { SipError } from './sip-error.ts';
import { formatSipfrag, parseSipfrag, parseSubscriptionState, SIPFRAG } from './sipfrag.ts';

export type DialogRole = 'uac' | 'uas';
export type DialogStateName = 'early' | 'confirmed' | 'terminated';

/** Why a dialog ended. */
export type DialogEndReason =
  /** The peer sent BYE. */
  | 'bye'
  /** We sent BYE (bye() / close()), or ended our early UAS dialog. */
  | 'local-bye'
  /** Our 2xx to an INVITE was never acknowledged; we sent BYE (§13.3.1.4). */
  | 'ack-timeout'
  /** RFC 4028: no session refresh in time; we sent BYE. */
  | 'session-expired'
  /** A request within the dialog got 481 or 408 (§12.2.1.2). */
  | 'request-failed'
  /** Early dialog: the INVITE ended without a 2xx for it (rejected, cancelled, timed out). */
  | 'rejected'
  /** Early dialog: another fork answered the INVITE. */
  | 'forked'
  /** terminate() without signalling, e.g. the user agent closed. */
  | 'closed';

export interface DialogEvents {
  /** The early dialog became confirmed (a 2xx was sent or received). */
  confirmed: [];
  /** The ACK for our 2xx arrived (its body is the SDP answer when our 2xx carried the offer). */
  ack: [ack: SipRequest];
  /** The peer sent a re-INVITE: answer with `offer.accept(sdp)` or `offer.reject(488)`. Without a listener we answer with our current SDP. */
  reinvite: [offer: IncomingOffer];
  /** The peer sent an UPDATE with an SDP offer (body-less UPDATEs are answered 200 on their own). */
  update: [offer: IncomingOffer];
  /** A DTMF digit arrived in an INFO (application/dtmf-relay or application/dtmf). */
  dtmf: [event: DtmfEvent, request: SipRequest];
  /** Any other INFO (answered 200). */
  info: [request: SipRequest];
  /** A MESSAGE within the dialog (answered 200). */
  message: [request: SipRequest];
  /** The peer asks us to call someone (REFER): reject inside the listener, or we answer 202 and NOTIFY "100 Trying". Without a listener we decline (603). */
  refer: [refer: IncomingRefer];
  /** The remote target changed (a target refresh request or its 2xx carried a new Contact). */
  targetRefresh: [remoteTarget: string];
  /** A session refresh succeeded (RFC 4028); `interval` is undefined when no session timer runs any more. */
  sessionRefresh: [interval: number | undefined];
  /** The peer sent BYE (answered 200); 'terminated' follows. */
  bye: [request: SipRequest];
  /** The dialog is over; emitted once. */
  terminated: [reason: DialogEndReason];
}

export interface DialogOptions {
  /** 'uac' when we sent the INVITE that created the dialog, 'uas' when we received it. */
  role: DialogRole;
  /** Start in the early state (made by a 1xx). Default false. */
  early?: boolean;
  /** The flow the dialog was made over (with connectionId for TCP/TLS/WS). Default none. */
  flow?: SipEndpoint;
  /** Send every request of the dialog over `flow` while the route set is empty. Default: only WebSocket flows and `.invalid` targets use it. */
  stickyFlow?: boolean;
  /** Answers 401/407 to in-dialog requests. Default none. */
  auth?: DigestClient;
  /** The SDP we sent last (offer or answer). */
  localSdp?: string;
  /** The SDP the peer sent last. */
  remoteSdp?: string;
  /** Methods the peer's Allow listed (decides UPDATE vs re-INVITE for session refreshes). */
  remoteAllow?: string[];
}

export interface DialogStats {
  state: DialogStateName;
  role: DialogRole;
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  /** Session timer interval (s) while one runs. */
  sessionInterval: number | undefined;
  /** Whether we are the session refresher. */
  sessionRefresher: boolean;
}

export interface ByeOptions {
  headers?: HeaderInit;
  /** A Reason header value, e.g. 'Q.850;cause=16'. */
  reason?: string;
}

const MAX_GLARE_RETRIES = 5;
/** Methods whose Contact refreshes the remote target (§12.2, RFC 3311). */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE']);
/** Methods we put our Contact on. */
const WITH_CONTACT = new Set(['INVITE', 'UPDATE', 'REFER', 'NOTIFY', 'SUBSCRIBE']);

function bodyText(msg: SipRequest | SipResponse): string | undefined {
  return msg.body.length > 0 ? msg.body.toString('utf8') : undefined;
}

function contentTypeOf(msg: SipRequest | SipResponse): string | undefined {
  const v = getHeader(msg, 'Content-Type');
  if (v === undefined) return undefined;
  try {
    const ct = parseContentType(v);
    return `${ct.type}/${ct.subtype}`;
  } catch {
    return v.split(';')[0]!.trim().toLowerCase();
  }
}

/** The SDP of a message: its body when the type is application/sdp (or untyped). */
export function sdpOf(msg: SipRequest | SipResponse): string | undefined {
  const body = bodyText(msg);
  if (body === undefined) return undefined;
  const type = contentTypeOf(msg);
  return type === undefined || type === 'application/sdp' ? body : undefined;
}

function cseqOf(msg: SipRequest | SipResponse): { seq: number; method: string } {
  return parseCSeq(getHeader(msg, 'CSeq') ?? '');
}

function allowOf(msg: SipRequest | SipResponse): string[] | undefined {
  const values = getHeaders(msg, 'Allow');
  if (values.length === 0) return undefined;
  try {
    return values.flatMap(parseTokenList).map((m) => m.toUpperCase());
  } catch {
    return undefined;
  }
}

function nameAddrText(value: string): string {
  return value.includes('<') ? value : `<${value}>`;
}

export class Dialog extends EventEmitter<DialogEvents> {
  readonly role: DialogRole;
  readonly #context: DialogContext;
  readonly #state: DialogState;
  readonly #auth: DigestClient | undefined;
  readonly #flow: SipEndpoint | undefined;
  readonly #stickyFlow: boolean;
  readonly #timers: TimerSet;
  readonly #session: SessionTimer;
  #name: DialogStateName;
  #endReason: DialogEndReason | undefined;
  #localSdp: string | undefined;
  #remoteSdp: string | undefined;
  #remoteAllow: string[] | undefined;
  /** Our INVITE transaction in progress (until its final response and ACK). */
  #localInvite = false;
  /** Our offer (re-INVITE/UPDATE with SDP) waiting for its answer. */
  #localOffer = false;
  /** The peer's INVITE we have not answered finally yet. */
  #remoteInvite: ServerTransaction | undefined;
  /** The peer's offer we have not answered yet. */
  #remoteOffer: IncomingOffer | undefined;
  /** The 2xx we sent to an INVITE and wait to see acknowledged. */
  #awaitingAck: { seq: number; resolve: (ack: SipRequest) => void; reject: (err: SipError) => void } | undefined;
  #lastAck: { seq: number; ack: SipRequest; destination: SipEndpoint } | undefined;
  /** Session interval to ask for in our next INVITE/UPDATE when no timer runs yet (after a 422). */
  #requestedInterval: number | undefined;
  readonly #subscriptions = new Map<string, ReferSubscription>();
  readonly #sleepers = new Set<() => void>();
  #sleepCount = 0;
  #bye: Promise<SipResponse | undefined> | undefined;
  /** A bye() waiting for the ACK of our 2xx (§15): sends it (or resolves undefined when the dialog ended otherwise). */
  #deferredBye: ((send: boolean) => void) | undefined;
  readonly #offerSettled: Array<() => void> = [];

  /** @internal Dialogs are made by the user agent (OutgoingInvite / IncomingInvite). */
  constructor(context: DialogContext, state: DialogState, options: DialogOptions) {
    super();
    this.#context = context;
    this.#state = state;
    this.role = options.role;
    this.#name = options.early ? 'early' : 'confirmed';
    this.#auth = options.auth;
    this.#flow = options.flow;
    this.#stickyFlow = options.stickyFlow ?? false;
    this.#localSdp = options.localSdp;
    this.#remoteSdp = options.remoteSdp;
    this.#remoteAllow = options.remoteAllow;
    this.#timers = new TimerSet(context.timers);
    this.#session = new SessionTimer(context.timers, {
      refresh: () => this.#refreshSession(),
      expire: () => void this.#end('session-expired', { reason: 'SIP;cause=408;text="Session Timer Expired"' }),
    });
  }

  /** Call-ID, local tag, remote tag. */
  get id(): DialogId {
    return { callId: this.#state.callId, localTag: this.#state.localTag, remoteTag: this.#state.remoteTag };
  }

  /** The dialog id as one string (map key). */
  get key(): string {
    return dialogKey(this.#state);
  }

  get callId(): string {
    return this.#state.callId;
  }

  get localTag(): string {
    return this.#state.localTag;
  }

  get remoteTag(): string {
    return this.#state.remoteTag;
  }

  /** Our address as it appears in From (requests we send), with our tag. */
  get localUri(): string {
    return formatNameAddr({ ...this.#state.localUri, params: { ...this.#state.localUri.params, tag: this.#state.localTag } });
  }

  /** The peer's address as it appears in To (requests we send), with its tag. */
  get remoteUri(): string {
    return formatNameAddr({ ...this.#state.remoteUri, params: { ...this.#state.remoteUri.params, tag: this.#state.remoteTag } });
  }

  /** The peer's Contact URI: where our requests go. */
  get remoteTarget(): string {
    return this.#state.remoteTarget;
  }

  get routeSet(): readonly string[] {
    return [...this.#state.routeSet];
  }

  get localSeq(): number | undefined {
    return this.#state.localSeq;
  }

  get remoteSeq(): number | undefined {
    return this.#state.remoteSeq;
  }

  get secure(): boolean {
    return this.#state.secure;
  }

  /** 'early', 'confirmed' or 'terminated'. */
  get state(): DialogStateName {
    return this.#name;
  }

  get terminated(): boolean {
    return this.#name === 'terminated';
  }

  /** Alias of `terminated` in the house lifecycle vocabulary. */
  get closed(): boolean {
    return this.#name === 'terminated';
  }

  get endReason(): DialogEndReason | undefined {
    return this.#endReason;
  }

  /** The flow (connection) the dialog was made over, when known. */
  get flow(): SipEndpoint | undefined {
    return this.#flow && { ...this.#flow };
  }

  /** The SDP we sent last. */
  get localSdp(): string | undefined {
    return this.#localSdp;
  }

  /** The SDP the peer sent last. */
  get remoteSdp(): string | undefined {
    return this.#remoteSdp;
  }

  /** Session timer interval (s) while one runs, else undefined. */
  get sessionInterval(): number | undefined {
    return this.#session.interval;
  }

  getStats(): DialogStats {
    return {
      state: this.#name,
      role: this.role,
      localSeq: this.#state.localSeq,
      remoteSeq: this.#state.remoteSeq,
      sessionInterval: this.#session.interval,
      sessionRefresher: this.#session.weRefresh,
    };
  }

  // ---------------------------------------------------------------- requests we send

  /**
   * Sends a re-INVITE with `sdp` (hold: the same SDP with a=sendonly / a=inactive). Resolves with
   * the 2xx (whose SDP becomes `remoteSdp`) after sending the ACK; a 491 is retried after the
   * §14.1 back-off. Without `sdp` the re-INVITE is offerless: the 2xx carries the peer's offer
   * and `ackSdp` makes our answer for the ACK. Rejects with SipError: the failure status, 491
   * when an offer is already pending in either direction, 481 when the dialog is over.
   */
  reinvite(sdp?: string, options: { headers?: HeaderInit; ackSdp?: (offer: string) => string } = {}): Promise<SipResponse> {
    if (this.#name !== 'confirmed') return this.#refuse('INVITE');
    return this.#offer('INVITE', sdp, options.headers, options.ackSdp);
  }

  /**
   * Sends an UPDATE (RFC 3311), with an SDP offer or without (a pure session refresh). Works in
   * early dialogs too. Same outcome rules as reinvite().
   */
  update(sdp?: string, options: { headers?: HeaderInit } = {}): Promise<SipResponse> {
    if (this.#name === 'terminated') return this.#refuse('UPDATE');
    return this.#offer('UPDATE', sdp, options.headers);
  }

  /** Sends an INFO with a body; resolves with the 2xx, rejects with SipError otherwise. */
  async info(body: string | Buffer, contentType: string, options: { headers?: HeaderInit } = {}): Promise<SipResponse> {
    return this.#expect2xx(await this.#request('INFO', { body, contentType, headers: options.headers }));
  }

  /**
   * Sends DTMF as INFO requests, one per digit, each after the previous one was answered.
   * Default body type application/dtmf-relay (`Signal=5\r\nDuration=160`).
   */
  async sendDtmf(digits: string, options: { durationMs?: number; contentType?: string } = {}): Promise<void> {
    for (const digit of digits) {
      const { body, contentType } = formatDtmfBody(digit, options.durationMs ?? 160, options.contentType ?? DTMF_RELAY);
      await this.info(body, contentType);
    }
  }

  /**
   * Asks the peer to call `target` (REFER, RFC 3515). Resolves once the REFER is accepted (202)
   * with the subscription that reports the referred call's progress from the peer's NOTIFYs.
   * `referredBy: true` sends our own URI as Referred-By.
   */
  async refer(target: string, options: { referredBy?: string | true; headers?: HeaderInit } = {}): Promise<ReferSubscription> {
    if (this.#name !== 'confirmed') return this.#refuse('REFER');
    const headers = toHeaderList({ 'Refer-To': nameAddrText(target) });
    if (options.referredBy !== undefined) {
      const by = options.referredBy === true ? formatNameAddr(this.#state.localUri) : nameAddrText(options.referredBy);
      headers.push({ name: 'Referred-By', value: by });
    }
    headers.push(...toHeaderList(options.headers));
    const subscription = new ReferSubscription();
    const ids: string[] = [];
    const response = await this.#request('REFER', { headers }, {
      onSent: (request) => {
        // NOTIFYs may overtake the 202; file the subscription under each CSeq we used.
        const id = String(cseqOf(request).seq);
        ids.push(id);
        subscription.bind(id);
        this.#subscriptions.set(id, subscription);
      },
    });
    if (response.status >= 300) {
      for (const id of ids) this.#subscriptions.delete(id);
      subscription.end();
      throw SipError.fromResponse(response);
    }
    subscription.response = response;
    if (subscription.terminated) for (const id of ids) this.#subscriptions.delete(id);
    return subscription;
  }

  /** Sends a MESSAGE within the dialog; resolves with the 2xx, rejects with SipError otherwise. */
  async message(body: string | Buffer, contentType = 'text/plain', options: { headers?: HeaderInit } = {}): Promise<SipResponse> {
    return this.#expect2xx(await this.#request('MESSAGE', { body, contentType, headers: options.headers }));
  }

  /** Sends OPTIONS within the dialog; resolves with the final response whatever its status. */
  options(options: { headers?: HeaderInit } = {}): Promise<SipResponse> {
    return this.#request('OPTIONS', { headers: options.headers });
  }

  /**
   * Sends any request within the dialog and resolves with its final response whatever its status
   * (481 and 408 still end the dialog, §12.2.1.2). For INVITE and UPDATE prefer reinvite()/update().
   */
  request(method: string, init: InDialogRequestInit = {}): Promise<SipResponse> {
    const m = method.toUpperCase();
    if (m === 'ACK' || m === 'CANCEL' || m === 'BYE') throw new Error(`use the dedicated API for ${m}`);
    return this.#request(m, init);
  }

  /**
   * Ends the dialog with BYE (§15); the dialog is terminated at once (later requests from the
   * peer get 481) and the promise resolves with the BYE's final response. Idempotent: later
   * calls return the same promise; on an already ended dialog it resolves undefined. An early
   * dialog on the UAS side is ended without BYE (the INVITE gets rejected by its IncomingInvite).
   */
  bye(options: ByeOptions = {}): Promise<SipResponse | undefined> {
    if (this.#bye) return this.#bye;
    if (this.#name === 'terminated') return Promise.resolve(undefined);
    if (this.#awaitingAck && this.#name === 'confirmed') {
      // RFC 3261 §15: no BYE before the ACK of our 2xx arrived or its wait timed out.
      this.#bye = new Promise((resolve) => {
        this.#deferredBye = (send) => {
          this.#deferredBye = undefined;
          this.#bye = undefined;
          resolve(send ? this.#end('local-bye', options) : undefined);
        };
      });
      return this.#bye;
    }
    return this.#end('local-bye', options);
  }

  /** bye() without waiting; idempotent. */
  close(): void {
    void this.bye();
  }

  /** Ends the dialog locally without sending anything (user agent shutdown, cascades); idempotent. */
  terminate(reason: DialogEndReason = 'closed'): void {
    this.#terminate(reason);
  }

  // ---------------------------------------------------------------- user-agent hooks

  /** @internal The early dialog got (UAC) or sent (UAS) a 2xx. For the UAC, `response` recomputes the route set and target (§13.2.2.4). */
  confirm(response?: SipResponse): void {
    if (this.#name !== 'early') return;
    if (response) {
      refreshTarget(this.#state, response);
      this.#state.routeSet = getRouteSet(response, 'Record-Route').map(formatNameAddr).reverse();
      this.#remoteAllow = allowOf(response) ?? this.#remoteAllow;
    }
    this.#name = 'confirmed';
    this.emit('confirmed');
  }

  /** @internal Sets the SDP state after the dialog-creating exchange. */
  setSdp(local: string | undefined, remote: string | undefined): void {
    if (local !== undefined) this.#localSdp = local;
    if (remote !== undefined) this.#remoteSdp = remote;
  }

  /** @internal Records the peer's Allow. */
  setRemoteAllow(allow: string[] | undefined): void {
    if (allow) this.#remoteAllow = allow;
  }

  /** @internal Session timer from the dialog-creating exchange: UAC side from the 2xx. */
  applyUacSession(response: SipResponse): void {
    const r = negotiateAsUac(response);
    if (r) this.#session.start(r.interval, r.weRefresh);
    else this.#session.stop();
  }

  /** @internal Session timer from the dialog-creating exchange: UAS side from our decision. */
  applyUasSession(decision: UasSessionDecision): void {
    if (decision.kind === 'accept') this.#session.start(decision.interval, decision.refresher === 'uas');
    else this.#session.stop();
  }

  /**
   * @internal Sends the ACK for a 2xx to our INVITE (§13.2.2.4): Request-URI and Route from the
   * dialog, the INVITE's CSeq number and credentials, a fresh branch. Remembered so a 2xx
   * retransmission gets the same ACK again.
   */
  acknowledge(invite: SipRequest, body?: { sdp: string }): void {
    const seq = cseqOf(invite).seq;
    if (this.#lastAck?.seq === seq) {
      this.#resendAck();
      return;
    }
    const ack = buildInDialogRequest(this.#state, 'ACK', seq, body ? { body: body.sdp, contentType: 'application/sdp' } : {});
    for (const h of invite.headers) {
      const n = h.name.toLowerCase();
      if (n === 'authorization' || n === 'proxy-authorization') ack.headers.push({ ...h });
    }
    const send = (destination: SipEndpoint) => {
      setTopVia(this.#context, ack, destination.protocol);
      this.#lastAck = { seq, ack, destination };
      this.#context.transactions.sendAck(ack, destination).catch(() => {});
    };
    const fixed = this.#destination();
    if (fixed) send(fixed);
    else {
      try {
        const d = this.#context.resolve(ack);
        if (d instanceof Promise) d.then(send, () => {});
        else send(d);
      } catch {
        /* unroutable: the peer's 2xx retransmissions will time out and it will BYE */
      }
    }
  }

  /** @internal The last ACK we sent, for re-sending after the dialog ended. */
  get lastAck(): { seq: number; ack: SipRequest; destination: SipEndpoint } | undefined {
    return this.#lastAck;
  }

  /** @internal A response that matched no transaction: a 2xx retransmission gets our ACK again. */
  handleResponse(response: SipResponse): void {
    if (response.status < 200 || response.status >= 300) return;
    let cseq: { seq: number; method: string };
    try {
      cseq = cseqOf(response);
    } catch {
      return;
    }
    if (cseq.method === 'INVITE' && this.#lastAck?.seq === cseq.seq) this.#resendAck();
  }

  /** @internal We sent a 2xx to INVITE `seq`; resolves with its ACK, rejects with SipError when none comes or the dialog ends. */
  awaitAck(seq: number): Promise<SipRequest> {
    return new Promise((resolve, reject) => {
      this.#awaitingAck?.reject(new SipError(500, 'Superseded by a newer INVITE'));
      this.#awaitingAck = { seq, resolve, reject };
    });
  }

  /** @internal An ACK for a 2xx of ours. */
  handleAck(ack: SipRequest): void {
    let seq: number;
    try {
      seq = cseqOf(ack).seq;
    } catch {
      return;
    }
    const waiting = this.#awaitingAck;
    if (!waiting || waiting.seq !== seq) return; // a retransmitted ACK, or one for an older 2xx
    this.#awaitingAck = undefined;
    const sdp = sdpOf(ack);
    if (sdp !== undefined) this.#remoteSdp = sdp;
    waiting.resolve(ack);
    this.emit('ack', ack);
    this.#deferredBye?.(true);
  }

  /** @internal Our 2xx to INVITE got no ACK within 64·T1: BYE (§13.3.1.4). */
  handleAckTimeout(response: SipResponse): void {
    let seq: number;
    try {
      seq = cseqOf(response).seq;
    } catch {
      return;
    }
    if (!this.#awaitingAck || this.#awaitingAck.seq !== seq) return;
    if (this.#deferredBye) {
      this.#deferredBye(true);
      return;
    }
    void this.#end('ack-timeout', {});
  }

  /** @internal A request within this dialog (the user agent matched its tags). */
  handleRequest(st: ServerTransaction): void {
    const request = st.request;
    if (this.#name === 'terminated') {
      this.#reply(st, 481);
      return;
    }
    let seq: number;
    try {
      seq = cseqOf(request).seq;
    } catch {
      this.#reply(st, 400, { reason: 'Bad CSeq' });
      return;
    }
    // §12.2.2: a lower CSeq than the last one is out of order.
    if (this.#state.remoteSeq !== undefined && seq < this.#state.remoteSeq) {
      this.#reply(st, 500, { reason: 'CSeq Out of Order' });
      return;
    }
    this.#state.remoteSeq = seq;
    switch (request.method) {
      case 'BYE':
        this.#onBye(st);
        return;
      case 'INVITE':
      case 'UPDATE':
        this.#onOffer(st);
        return;
      case 'INFO':
        this.#onInfo(st);
        return;
      case 'REFER':
        this.#onRefer(st);
        return;
      case 'NOTIFY':
        this.#onNotify(st);
        return;
      case 'OPTIONS':
        this.#reply(st, 200, { capabilities: true });
        return;
      case 'MESSAGE':
        this.#reply(st, 200);
        this.emit('message', request);
        return;
      case 'PRACK':
        this.#reply(st, 481, { reason: 'No Reliable Provisional Outstanding' });
        return;
      default:
        this.#reply(st, this.#context.allow.includes(request.method) ? 405 : 501, { capabilities: true });
    }
  }

  // ---------------------------------------------------------------- incoming requests

  #onBye(st: ServerTransaction): void {
    this.#reply(st, 200);
    // Terminated before the listeners hear of it, so one that ends its side at once (a B2BUA
    // hanging up the call) finds the dialog over instead of sending a BYE of its own into it.
    this.#terminate('bye');
    this.emit('bye', st.request);
  }

  #onOffer(st: ServerTransaction): void {
    const request = st.request;
    const isInvite = request.method === 'INVITE';
    const sdp = sdpOf(request);
    const offers = isInvite || sdp !== undefined;
    if (isInvite && this.#name !== 'confirmed') {
      this.#reply(st, 491);
      return;
    }
    // §14.2 / RFC 3311 §5.2: glare and overlapping offers.
    if ((isInvite && this.#localInvite) || (offers && this.#localOffer)) {
      this.#reply(st, 491);
      return;
    }
    if ((isInvite && this.#remoteInvite) || (offers && this.#remoteOffer)) {
      this.#reply(st, 500, { reason: 'Request Pending', headers: { 'Retry-After': String(Math.floor(this.#context.random() * 11)) } });
      return;
    }
    const decision = negotiateAsUas(request, this.#context.sessionTimers.minSE);
    if (decision.kind === 'too-small') {
      this.#reply(st, 422, { headers: { 'Min-SE': String(decision.minSE) } });
      return;
    }
    if (!offers) {
      // A body-less UPDATE: a session refresh (and maybe a target refresh).
      this.#answerOffer(st, undefined, decision, { status: 200 });
      return;
    }
    if (isInvite) this.#remoteInvite = st;
    const offer: IncomingOffer = new IncomingOffer(request, sdp, (answer) => this.#answerOffer(st, offer, decision, answer));
    if (sdp !== undefined || isInvite) this.#remoteOffer = offer;
    const event = isInvite ? 'reinvite' : 'update';
    if (this.listenerCount(event) > 0) this.emit(event, offer);
    else if (this.#localSdp !== undefined) offer.accept(this.#localSdp);
    else offer.reject(488);
  }

  #answerOffer(st: ServerTransaction, offer: IncomingOffer | undefined, decision: UasSessionDecision, answer: OfferAnswer): boolean {
    const request = st.request;
    if (offer && this.#remoteOffer === offer) this.#remoteOffer = undefined;
    if (this.#remoteInvite === st) this.#remoteInvite = undefined;
    this.#settleOffers();
    if (this.#name === 'terminated' || st.terminated) return false;
    if (answer.status >= 300) {
      return this.#reply(st, answer.status, { reason: answer.reason, headers: answer.headers });
    }
    if (refreshTarget(this.#state, request)) this.emit('targetRefresh', this.#state.remoteTarget);
    this.#remoteAllow = allowOf(request) ?? this.#remoteAllow;
    if (offer?.sdp !== undefined) this.#remoteSdp = offer.sdp;
    if (answer.sdp !== undefined) this.#localSdp = answer.sdp;
    const headers = [...toHeaderList(uasSessionHeaders(decision)), ...toHeaderList(answer.headers)];
    const sent = this.#reply(st, answer.status, {
      reason: answer.reason,
      headers,
      body: answer.sdp,
      contentType: answer.sdp !== undefined ? 'application/sdp' : undefined,
      contact: true,
      capabilities: true,
    });
    this.applyUasSession(decision);
    this.emit('sessionRefresh', this.#session.interval);
    if (request.method === 'INVITE') {
      this.awaitAck(cseqOf(request).seq).catch(() => {});
    }
    return sent;
  }

  #onInfo(st: ServerTransaction): void {
    const request = st.request;
    const type = contentTypeOf(request);
    const dtmf = type === undefined ? undefined : parseDtmfBody(type, bodyText(request) ?? '');
    this.#reply(st, 200);
    if (dtmf) this.emit('dtmf', dtmf, request);
    else this.emit('info', request);
  }

  #onRefer(st: ServerTransaction): void {
    const request = st.request;
    const referTo = getHeaders(request, 'Refer-To');
    if (referTo.length !== 1) {
      this.#reply(st, 400, { reason: 'Bad Refer-To' });
      return;
    }
    if (this.#name !== 'confirmed') {
      this.#reply(st, 403, { reason: 'REFER Outside a Confirmed Dialog' });
      return;
    }
    if (this.listenerCount('refer') === 0) {
      this.#reply(st, 603, { reason: 'Decline' });
      return;
    }
    const id = String(cseqOf(request).seq);
    let refer: IncomingRefer;
    try {
      refer = new IncomingRefer(request, referTo[0]!, getHeader(request, 'Referred-By'), {
        notify: (status, reason) => this.#notifyRefer(id, status, reason),
      });
    } catch {
      this.#reply(st, 400, { reason: 'Bad Refer-To' });
      return;
    }
    this.emit('refer', refer);
    const rejection = refer.rejection;
    if (rejection) {
      this.#reply(st, rejection.status, { reason: rejection.reason });
      return;
    }
    this.#reply(st, 202, { contact: true });
    refer.accepted();
    void refer.notify(100, 'Trying');
  }

  /** Sends the NOTIFY of an accepted REFER; resolves undefined when the dialog is already over. */
  #notifyRefer(id: string, status: number, reason: string | undefined): Promise<SipResponse | undefined> {
    const state = status >= 200 ? 'terminated;reason=noresource' : 'active;expires=60';
    return this.#request('NOTIFY', {
      headers: { Event: `refer;id=${id}`, 'Subscription-State': state },
      body: formatSipfrag(status, reason),
      contentType: `${SIPFRAG};version=2.0`,
    }).catch(() => undefined);
  }

  #onNotify(st: ServerTransaction): void {
    const request = st.request;
    const event = getHeader(request, 'Event');
    const [pkg, ...params] = (event ?? '').split(';').map((x) => x.trim());
    if (!event || pkg!.toLowerCase() !== 'refer') {
      this.#reply(st, 489, { headers: { 'Allow-Events': 'refer' } });
      return;
    }
    const idParam = params.find((p) => p.toLowerCase().startsWith('id='));
    const id = idParam?.slice(3).trim();
    let subscription = id !== undefined ? this.#subscriptions.get(id) : undefined;
    if (!subscription && id === undefined) subscription = [...this.#subscriptions.values()].reverse().find((s) => !s.terminated);
    if (!subscription) {
      this.#reply(st, 481, { reason: 'Subscription Does Not Exist' });
      return;
    }
    const state = parseSubscriptionState(getHeader(request, 'Subscription-State') ?? 'active');
    this.#reply(st, 200);
    const status = parseSipfrag(bodyText(request) ?? '');
    const ended = state.state === 'terminated';
    subscription.handleNotify(status, ended, request);
    if (ended) for (const [k, s] of this.#subscriptions) if (s === subscription) this.#subscriptions.delete(k);
  }

  // ---------------------------------------------------------------- sending

  #refuse(method: string): Promise<never> {
    if (this.#name === 'terminated') return Promise.reject(new SipError(481, 'Dialog Terminated'));
    return Promise.reject(new SipError(491, `${method} needs a confirmed dialog`));
  }

  #expect2xx(response: SipResponse): SipResponse {
    if (response.status >= 300) throw SipError.fromResponse(response);
    return response;
  }

  #nextSeq(): number {
    this.#state.localSeq = (this.#state.localSeq ?? 0) + 1;
    return this.#state.localSeq;
  }

  /** Where in-dialog requests go when not to the resolved next hop: the flow the dialog came over. */
  #destination(): SipEndpoint | undefined {
    const flow = this.#flow;
    if (!flow || this.#state.routeSet.length > 0) return undefined;
    if (this.#stickyFlow || flow.protocol === 'ws' || flow.protocol === 'wss') return flow;
    try {
      if (parseUri(this.#state.remoteTarget).host.toLowerCase().endsWith('.invalid')) return flow;
    } catch {
      /* fall through to normal resolution */
    }
    return undefined;
  }

  /** Session-Expires and Min-SE for an INVITE/UPDATE we send while a session timer runs (or after a 422). */
  #sessionHeaders(request: SipRequest): void {
    const interval = this.#session.interval ?? this.#requestedInterval;
    if (interval === undefined) return;
    const refresher = this.#session.running ? (this.#session.weRefresh ? 'uac' : 'uas') : 'uac';
    request.headers.push({ name: 'Session-Expires', value: formatSessionExpires({ interval, refresher }) });
    const minSE = Math.min(interval, Math.max(this.#context.sessionTimers.minSE, this.#requestedInterval ?? 0));
    request.headers.push({ name: 'Min-SE', value: String(minSE) });
  }

  /** Builds and sends one in-dialog request; resolves with its final response (after any challenge). */
  #request(
    method: string,
    init: InDialogRequestInit,
    hooks: { afterEnd?: boolean; onSent?: (request: SipRequest) => void; ackSdp?: (offer: string) => string } = {},
  ): Promise<SipResponse> {
    if (this.#name === 'terminated' && !hooks.afterEnd) return Promise.reject(new SipError(481, 'Dialog Terminated'));
    const request = buildInDialogRequest(this.#state, method, this.#nextSeq(), init);
    if (this.#context.userAgent) request.headers.push({ name: 'User-Agent', value: this.#context.userAgent });
    if (TARGET_REFRESH.has(method)) {
      request.headers.push({ name: 'Allow', value: this.#context.allow.join(', ') });
      request.headers.push({ name: 'Supported', value: this.#context.supported.join(', ') });
      this.#sessionHeaders(request);
    }
    const client = new ClientRequest(this.#context, request, {
      destination: this.#destination(),
      auth: this.#auth,
      nextCSeq: () => this.#nextSeq(),
      contact: WITH_CONTACT.has(method),
      secure: this.#state.secure,
    });
    if (hooks.onSent) client.on('sent', (r) => hooks.onSent!(r));
    if (method === 'INVITE') {
      client.on('final', (response) => {
        if (response.status >= 200 && response.status < 300) {
          if (refreshTarget(this.#state, response)) this.emit('targetRefresh', this.#state.remoteTarget);
          const offer = hooks.ackSdp ? sdpOf(response) : undefined;
          const answer = offer !== undefined ? hooks.ackSdp!(offer) : undefined;
          if (answer !== undefined) this.#localSdp = answer;
          this.acknowledge(client.request, answer !== undefined ? { sdp: answer } : undefined);
        }
      });
      client.on('additional2xx', (response) => this.handleResponse(response));
    }
    client.start();
    return client.result().then((response) => {
      if ((response.status === 481 || response.status === 408) && method !== 'BYE' && this.#name !== 'terminated') {
        this.#terminate('request-failed');
      }
      return response;
    });
  }

  /** A re-INVITE or UPDATE we send, with 491 back-off and one 422 retry (RFC 4028 §7.4). */
  async #offer(
    method: 'INVITE' | 'UPDATE',
    sdp: string | undefined,
    headers: HeaderInit | undefined,
    ackSdp?: (offer: string) => string,
  ): Promise<SipResponse> {
    const isInvite = method === 'INVITE';
    const offers = isInvite || sdp !== undefined;
    if ((isInvite && (this.#localInvite || this.#remoteInvite)) || (offers && (this.#localOffer || this.#remoteOffer))) {
      throw new SipError(491, 'Request Pending');
    }
    let glare = 0;
    let retried422 = false;
    for (;;) {
      if (isInvite) this.#localInvite = true;
      if (offers) this.#localOffer = true;
      let response: SipResponse;
      try {
        response = await this.#request(
          method,
          { body: sdp, contentType: sdp !== undefined ? 'application/sdp' : undefined, headers },
          { ackSdp: sdp === undefined ? ackSdp : undefined },
        );
      } finally {
        this.#localInvite = false;
        this.#localOffer = false;
        this.#settleOffers();
      }
      if (this.terminated) {
        if (response.status < 300) return response;
        throw SipError.fromResponse(response);
      }
      if (response.status >= 200 && response.status < 300) {
        if (method === 'UPDATE' && refreshTarget(this.#state, response)) this.emit('targetRefresh', this.#state.remoteTarget);
        if (sdp !== undefined) this.#localSdp = sdp;
        const answer = sdpOf(response);
        if (answer !== undefined) this.#remoteSdp = answer;
        this.#remoteAllow = allowOf(response) ?? this.#remoteAllow;
        this.#requestedInterval = undefined;
        this.applyUacSession(response);
        this.emit('sessionRefresh', this.#session.interval);
        return response;
      }
      if (response.status === 491 && glare < MAX_GLARE_RETRIES) {
        glare++;
        await this.#sleep(glareRetryDelay(this.#state.ownsCallId, () => this.#context.random()));
        await this.#whenNoRemoteOffer();
        if (this.terminated) throw new SipError(481, 'Dialog Terminated');
        continue;
      }
      const minSE = getMinSE(response);
      if (response.status === 422 && !retried422 && minSE !== undefined) {
        retried422 = true;
        this.#requestedInterval = Math.max(minSE, this.#session.interval ?? 0);
        this.#session.stop();
        continue;
      }
      throw SipError.fromResponse(response);
    }
  }

  /** We are the refresher and half the interval passed: refresh with UPDATE (when allowed) or re-INVITE. */
  #refreshSession(): void {
    if (this.#name !== 'confirmed') return;
    if (this.#localInvite || this.#remoteInvite || this.#localOffer || this.#remoteOffer) return; // that exchange refreshes
    const how = this.#context.sessionTimers.refreshMethod;
    const useUpdate = how === 'UPDATE' || (how === 'auto' && (this.#remoteAllow?.includes('UPDATE') ?? false));
    const refresh = useUpdate ? this.#offer('UPDATE', undefined, undefined) : this.#offer('INVITE', this.#localSdp, undefined);
    refresh.catch(() => {
      /* the expiry timer still runs and ends the session if nothing else refreshes it */
    });
  }

  #resendAck(): void {
    const last = this.#lastAck;
    if (last) this.#context.transactions.sendAck(last.ack, last.destination).catch(() => {});
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.#sleepers.delete(wake);
        resolve();
      };
      this.#sleepers.add(wake);
      this.#timers.start(`sleep-${++this.#sleepCount}`, ms, wake);
    });
  }

  #whenNoRemoteOffer(): Promise<void> {
    if (!this.#remoteOffer && !this.#remoteInvite) return Promise.resolve();
    return new Promise((resolve) => this.#offerSettled.push(resolve));
  }

  #settleOffers(): void {
    if (this.#remoteOffer || this.#remoteInvite) return;
    for (const resolve of this.#offerSettled.splice(0)) resolve();
  }

  #reply(
    st: ServerTransaction,
    status: number,
    options: {
      reason?: string;
      headers?: HeaderInit;
      body?: string;
      contentType?: string;
      contact?: boolean;
      capabilities?: boolean;
    } = {},
  ): boolean {
    const headers = toHeaderList(options.headers);
    if (options.contact && status < 300) headers.push({ name: 'Contact', value: this.#context.contact(st.source.protocol, this.#state.secure) });
    if (options.capabilities || status === 405 || status === 501) {
      headers.push({ name: 'Allow', value: this.#context.allow.join(', ') });
      headers.push({ name: 'Supported', value: this.#context.supported.join(', ') });
      if (st.request.method === 'OPTIONS') headers.push({ name: 'Accept', value: this.#context.accept.join(', ') });
    }
    if (this.#context.userAgent) headers.push({ name: 'Server', value: this.#context.userAgent });
    const response = createResponse(st.request, status, options.reason, {
      headers,
      body: options.body,
      contentType: options.contentType,
    });
    return st.respond(response);
  }

  /** Terminates and, when confirmed (or UAC early), sends BYE. */
  #end(reason: DialogEndReason, options: ByeOptions): Promise<SipResponse | undefined> {
    if (this.#bye) return this.#bye;
    if (this.#name === 'terminated') return Promise.resolve(undefined);
    const sendBye = this.#name === 'confirmed' || this.role === 'uac';
    this.#terminate(reason);
    if (!sendBye) {
      this.#bye = Promise.resolve(undefined);
      return this.#bye;
    }
    const headers = toHeaderList(options.headers);
    if (options.reason) headers.push({ name: 'Reason', value: options.reason });
    this.#bye = this.#request('BYE', { headers }, { afterEnd: true });
    return this.#bye;
  }

  #terminate(reason: DialogEndReason): void {
    if (this.#name === 'terminated') return;
    if (reason !== 'local-bye') this.#deferredBye?.(false);
    this.#name = 'terminated';
    this.#endReason = reason;
    this.#session.stop();
    this.#timers.stopAll();
    const pending = this.#remoteInvite;
    this.#remoteInvite = undefined;
    this.#remoteOffer = undefined;
    if (pending && !pending.terminated) this.#reply(pending, 487);
    const waiting = this.#awaitingAck;
    this.#awaitingAck = undefined;
    waiting?.reject(new SipError(reason === 'ack-timeout' ? 408 : 487, reason === 'ack-timeout' ? 'No ACK' : 'Dialog Terminated'));
    for (const wake of [...this.#sleepers]) wake();
    for (const resolve of this.#offerSettled.splice(0)) resolve();
    for (const s of new Set(this.#subscriptions.values())) s.end();
    this.#subscriptions.clear();
    this.emit('terminated', reason);
  }
}
