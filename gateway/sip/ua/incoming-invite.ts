/**
 * IncomingInvite: a call offered to us (RFC 3261 §13.3), as the application answers it —
 * `progress(180)` / `progress(183, sdp)` (the first tagged 1xx makes the early dialog),
 * `accept(sdp)` (200 with our Contact, Record-Route copied, session timer when the caller asked;
 * resolves with the confirmed Dialog once the ACK arrives), or `reject(486)`. A CANCEL (or the
 * caller's BYE in the early dialog) answers the INVITE 487 and emits 'cancel'.
 */
import { EventEmitter } from 'node:events';
import { createResponse, getHeader, getHeaders, parseCSeq, parseNameAddr, toHeaderList, type HeaderInit, type NameAddr } from '../message/index.ts';
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import type { InviteServerTransaction } from '../transaction/index.ts';
import { Dialog, SipError, newTag, sdpOf, uasDialogState, uasSessionHeaders, type UasSessionDecision } from '../dialog/index.ts';
import type { InviteHost } from './host.ts';

export type IncomingInviteState = 'offered' | 'early' | 'accepted' | 'rejected' | 'cancelled';

export interface IncomingInviteEvents {
  /** The caller gave up (CANCEL, or BYE in the early dialog); the INVITE was answered 487. */
  cancel: [request: SipRequest];
}

export interface ProgressOptions {
  /** Early media SDP (usually with 183). Default none. */
  sdp?: string;
  /** Reason phrase. Default: the standard one. */
  reason?: string;
  /** Extra headers. Default none. */
  headers?: HeaderInit;
}

export interface AnswerOptions {
  /** Reason phrase. Default: the standard one. */
  reason?: string;
  /** Extra headers (P-Asserted-Identity, Retry-After…). Default none. */
  headers?: HeaderInit;
}

export class IncomingInvite extends EventEmitter<IncomingInviteEvents> {
  readonly request: SipRequest;
  readonly transaction: InviteServerTransaction;
  /** Where the INVITE came from (with connectionId for TCP/TLS/WS). */
  readonly source: SipEndpoint;
  /** The caller's SDP offer; undefined for an offerless INVITE (then our 2xx offers and the ACK answers). */
  readonly sdp: string | undefined;
  readonly callId: string;
  /** Our To tag for every response. */
  readonly toTag: string;
  readonly #host: InviteHost;
  readonly #session: UasSessionDecision;
  #state: IncomingInviteState = 'offered';
  #dialog: Dialog | undefined;

  /** @internal Made by UserAgent for each new INVITE; `session` is the RFC 4028 decision already taken. */
  constructor(host: InviteHost, transaction: InviteServerTransaction, session: UasSessionDecision) {
    super();
    this.#host = host;
    this.transaction = transaction;
    this.request = transaction.request;
    this.source = transaction.source;
    this.sdp = sdpOf(this.request);
    this.callId = (getHeader(this.request, 'Call-ID') ?? '').trim();
    this.toTag = newTag();
    this.#session = session;
  }

  get state(): IncomingInviteState {
    return this.#state;
  }

  /** The caller's From address. */
  get from(): NameAddr {
    return parseNameAddr(getHeader(this.request, 'From') ?? '');
  }

  /** The To address (whom the caller called). */
  get to(): NameAddr {
    return parseNameAddr(getHeader(this.request, 'To') ?? '');
  }

  /** The Request-URI. */
  get uri(): string {
    return this.request.uri;
  }

  /** The early or confirmed dialog, once a tagged 1xx or the 2xx went out. */
  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  /** Whether a final response went out (or the caller cancelled). */
  get finished(): boolean {
    return this.#state === 'accepted' || this.#state === 'rejected' || this.#state === 'cancelled';
  }

  /**
   * Sends a provisional response (default 180 Ringing; 183 with `sdp` for early media; 100 goes
   * without a tag). A string argument is taken as the SDP. False once a final response went out.
   */
  progress(status = 180, options: ProgressOptions | string = {}): boolean {
    if (status < 100 || status > 199) throw new RangeError('progress() takes a 1xx status');
    if (this.finished) return false;
    const o = typeof options === 'string' ? { sdp: options } : options;
    if (status === 100) return this.transaction.respond(createResponse(this.request, 100, o.reason, { headers: o.headers }));
    const dialog = this.#ensureDialog(true);
    if (o.sdp !== undefined) dialog.setSdp(o.sdp, undefined);
    if (this.#state === 'offered') this.#state = 'early';
    return this.transaction.respond(this.#response(status, o.reason, o.headers, o.sdp, true));
  }

  /**
   * Answers 200 OK with `sdp` and resolves with the confirmed dialog once the ACK arrives.
   * Rejects with SipError: 487 when the caller cancelled first, 408 when no ACK came (we then
   * sent BYE), or the status of a final response already sent.
   */
  accept(sdp?: string, options: AnswerOptions = {}): Promise<Dialog> {
    if (this.finished) {
      const status = this.#state === 'cancelled' ? 487 : this.#state === 'rejected' ? (this.transaction.lastResponse?.status ?? 500) : 500;
      return Promise.reject(new SipError(status, this.#state === 'accepted' ? 'Already Accepted' : undefined));
    }
    const dialog = this.#ensureDialog(false);
    const response = this.#response(200, options.reason, [...toHeaderList(uasSessionHeaders(this.#session)), ...toHeaderList(options.headers)], sdp, true);
    this.#state = 'accepted';
    dialog.confirm();
    dialog.setSdp(sdp, this.sdp);
    dialog.applyUasSession(this.#session);
    const acked = dialog.awaitAck(parseCSeq(getHeader(this.request, 'CSeq') ?? '').seq);
    this.transaction.respond(response);
    return acked.then(() => dialog);
  }

  /** Refuses the call (default 486 Busy Here). False once a final response went out. */
  reject(status = 486, options: AnswerOptions = {}): boolean {
    if (status < 300) throw new RangeError('reject() needs a status of 300 or more');
    if (this.finished) return false;
    this.#state = 'rejected';
    const sent = this.transaction.respond(this.#response(status, options.reason, options.headers, undefined, false));
    this.#dialog?.terminate('rejected');
    return sent;
  }

  /** @internal The caller sent CANCEL (the user agent already answered it 200). */
  handleCancel(cancel: SipRequest): void {
    if (this.finished) return;
    this.#state = 'cancelled';
    this.transaction.respond(this.#response(487, undefined, undefined, undefined, false));
    this.#dialog?.terminate('rejected');
    this.emit('cancel', cancel);
  }

  #ensureDialog(early: boolean): Dialog {
    if (this.#dialog) return this.#dialog;
    const allow = getHeaders(this.request, 'Allow').flatMap((v) => v.split(',').map((m) => m.trim().toUpperCase())).filter(Boolean);
    const dialog = new Dialog(this.#host.context, uasDialogState(this.request, this.toTag, this.source.protocol === 'tls' || this.source.protocol === 'wss'), {
      role: 'uas',
      early,
      flow: this.source,
      auth: this.#host.digestClient(),
      remoteSdp: this.sdp,
      remoteAllow: allow.length > 0 ? allow : undefined,
    });
    this.#dialog = dialog;
    this.#host.adopt(dialog);
    dialog.once('terminated', (reason) => {
      if (this.finished) return;
      // The early dialog ended before our final response: the caller's BYE (§15.1.2) or our bye()/close().
      if (reason === 'bye') {
        this.#state = 'cancelled';
        this.transaction.respond(this.#response(487, undefined, undefined, undefined, false));
        this.emit('cancel', this.request);
      } else {
        this.#state = 'rejected';
        this.transaction.respond(this.#response(480, undefined, undefined, undefined, false));
      }
    });
    return dialog;
  }

  /** A response to the INVITE with our tag; dialog-making ones (1xx/2xx) carry Contact, Record-Route and capabilities. */
  #response(status: number, reason: string | undefined, headers: HeaderInit | undefined, sdp: string | undefined, dialogForming: boolean): SipResponse {
    const ctx = this.#host.context;
    const list = [];
    if (dialogForming) {
      for (const rr of getHeaders(this.request, 'Record-Route')) list.push({ name: 'Record-Route', value: rr });
      list.push({ name: 'Contact', value: ctx.contact(this.source.protocol, this.#dialog?.secure ?? false) });
      list.push({ name: 'Allow', value: ctx.allow.join(', ') });
      list.push({ name: 'Supported', value: ctx.supported.join(', ') });
    }
    if (ctx.userAgent) list.push({ name: 'Server', value: ctx.userAgent });
    list.push(...toHeaderList(headers));
    return createResponse(this.request, status, reason, {
      toTag: this.toTag,
      headers: list,
      body: sdp,
      contentType: sdp !== undefined ? 'application/sdp' : undefined,
    });
  }
}
