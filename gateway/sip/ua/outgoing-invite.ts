/**
 * OutgoingInvite: a call we place (RFC 3261 §13.2) — the INVITE with our Contact, capabilities
 * and optional session timer (RFC 4028), then the story as events: 'progress' for each 1xx (with
 * the early dialog a tagged 1xx creates; forks create several), 'answered' with the confirmed
 * Dialog for the first 2xx (ACKed by us), 'failed' with a SipError for a final failure. Later
 * 2xx from other forks are ACKed and ended with BYE (§13.2.2.4). `cancel()` sends CANCEL once a
 * provisional response arrived (§9.1). 401/407 are answered once with credentials, 422 once
 * with the larger interval the peer asks for.
 */
import { EventEmitter } from 'node:events';
import {
  createRequest,
  formatNameAddr,
  getHeaders,
  getToTag,
  parseNameAddr,
  parseTokenList,
  toHeaderList,
  type HeaderInit,
} from '../message/index.ts';
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import type { DigestClient } from '../auth/index.ts';
import {
  ClientRequest,
  Dialog,
  SipError,
  formatSessionExpires,
  getMinSE,
  newCallId,
  newTag,
  sdpOf,
  uacDialogState,
} from '../dialog/index.ts';
import { TimerSet } from '../transaction/index.ts';
import type { Credentials, InviteHost } from './host.ts';

export interface InviteOptions {
  /** Request-URI: whom we call, e.g. 'sip:1002@127.0.0.1:5062'. */
  target: string;
  /** From: a URI or name-addr. Default: our address (sip:user@host). */
  from?: string;
  /** To: a URI or name-addr. Default: the target. */
  to?: string;
  /** SDP offer. Default: none (an offerless INVITE; answer with `ackSdp`). */
  sdp?: string;
  /** For an offerless INVITE: makes the SDP answer sent in the ACK from the offer in the 2xx. */
  ackSdp?: (offer: string) => string;
  /** Extra headers (P-Asserted-Identity, X-…). */
  headers?: HeaderInit;
  /** Credentials for this call. Default: the user agent's. */
  credentials?: Credentials;
  /** Where to send (e.g. a registered WebSocket flow with its connectionId); its flow is then used for the whole dialog. Default: the next hop of the target (or first route). */
  destination?: SipEndpoint;
  /** Preloaded route set (an outbound proxy), as name-addrs or URIs; add `;lr` for loose routers. Default none. */
  routes?: string[];
  /** Call-ID. Default: a fresh random one. */
  callId?: string;
  /** Ask for a session timer with this interval in seconds (RFC 4028). Default: none (we still honour the peer's). */
  sessionExpires?: number;
}

export type OutgoingInviteState = 'calling' | 'proceeding' | 'answered' | 'failed';

export interface OutgoingInviteEvents {
  /** A provisional response; `earlyDialog` when it carried a To tag (180/183 from a UAS). */
  progress: [response: SipResponse, earlyDialog: Dialog | undefined];
  /** The first 2xx: the dialog is confirmed and our ACK is on its way. */
  answered: [dialog: Dialog, response: SipResponse];
  /** The call failed: the final status (487 after cancel(), 408 timeout, 503 unreachable, 486 busy…). */
  failed: [error: SipError];
}

function asNameAddr(value: string): string {
  return value.includes('<') ? value : `<${value}>`;
}

export class OutgoingInvite extends EventEmitter<OutgoingInviteEvents> {
  readonly callId: string;
  /** Our From tag. */
  readonly localTag: string;
  readonly #host: InviteHost;
  readonly #options: InviteOptions;
  readonly #auth: DigestClient | undefined;
  readonly #early = new Map<string, Dialog>();
  readonly #forks = new Map<string, Dialog>();
  readonly #timers: TimerSet;
  #client: ClientRequest;
  #state: OutgoingInviteState = 'calling';
  #dialog: Dialog | undefined;
  #error: SipError | undefined;
  #cancelled = false;
  #retried422 = false;
  #cseq = 1;
  #untrack: (() => void) | undefined;
  readonly #waiting: Array<{ resolve: (d: Dialog) => void; reject: (e: SipError) => void }> = [];

  /** @internal Use UserAgent.invite(). Sends at once. */
  constructor(host: InviteHost, options: InviteOptions) {
    super();
    this.#host = host;
    this.#options = options;
    this.#auth = host.digestClient(options.credentials);
    this.#timers = new TimerSet(host.context.timers);
    this.callId = options.callId ?? newCallId();
    this.localTag = newTag();
    this.#untrack = host.trackInvite(this.callId, this.localTag, {
      handleStray2xx: (r) => this.#on2xx(r, true),
      close: () => this.#timers.stopAll(),
    });
    this.#client = this.#send(this.#build(options.sessionExpires));
  }

  get state(): OutgoingInviteState {
    return this.#state;
  }

  /** The INVITE as last sent (after a challenge: the resend with credentials). */
  get request(): SipRequest {
    return this.#client.request;
  }

  /** The confirmed dialog once answered. */
  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  /** Early dialogs alive now (one per answering fork). */
  get earlyDialogs(): Dialog[] {
    return [...this.#early.values()];
  }

  /** The failure, once failed. */
  get error(): SipError | undefined {
    return this.#error;
  }

  /** Resolves with the dialog when answered; rejects with the SipError when the call fails. */
  result(): Promise<Dialog> {
    if (this.#dialog) return Promise.resolve(this.#dialog);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /**
   * Cancels the call (§9.1): CANCEL goes out now if the callee sent a provisional response, else
   * as soon as it does; the call then fails with 487. False once answered or failed.
   * `reason` fills a Reason header (e.g. 'SIP;cause=200;text="Call completed elsewhere"').
   */
  cancel(reason?: string): boolean {
    if (this.#state === 'answered' || this.#state === 'failed') return false;
    this.#cancelled = true;
    return this.#client.cancel(reason ? { Reason: reason } : undefined);
  }

  #build(sessionExpires: number | undefined, minSE?: number): SipRequest {
    const o = this.#options;
    const ctx = this.#host.context;
    const fromNa = parseNameAddr(asNameAddr(o.from ?? this.#host.identity.aor()));
    fromNa.params = { ...fromNa.params, tag: this.localTag };
    const headers = toHeaderList({
      From: formatNameAddr(fromNa),
      To: asNameAddr(o.to ?? o.target),
      'Call-ID': this.callId,
      CSeq: `${this.#cseq} INVITE`,
    });
    for (const r of o.routes ?? []) headers.push({ name: 'Route', value: asNameAddr(r) });
    headers.push({ name: 'Allow', value: ctx.allow.join(', ') });
    headers.push({ name: 'Supported', value: ctx.supported.join(', ') });
    if (ctx.userAgent) headers.push({ name: 'User-Agent', value: ctx.userAgent });
    if (sessionExpires !== undefined) {
      headers.push({ name: 'Session-Expires', value: formatSessionExpires({ interval: sessionExpires, refresher: 'uac' }) });
      headers.push({ name: 'Min-SE', value: String(Math.min(sessionExpires, minSE ?? ctx.sessionTimers.minSE)) });
    }
    headers.push(...toHeaderList(o.headers));
    return createRequest({
      method: 'INVITE',
      uri: o.target,
      headers,
      body: o.sdp,
      contentType: o.sdp !== undefined ? 'application/sdp' : undefined,
    });
  }

  #send(request: SipRequest): ClientRequest {
    const client = new ClientRequest(this.#host.context, request, {
      destination: this.#options.destination,
      auth: this.#auth,
      nextCSeq: () => ++this.#cseq,
      contact: true,
    });
    client.on('provisional', (response) => {
      if (client === this.#client) this.#onProvisional(response);
    });
    client.on('final', (response) => {
      if (client === this.#client) this.#onFinal(response);
    });
    client.on('additional2xx', (response) => this.#on2xx(response, true));
    client.start();
    return client;
  }

  #flow(): { flow?: SipEndpoint; stickyFlow: boolean } {
    const d = this.#options.destination ?? this.#client.destination;
    return { flow: d, stickyFlow: this.#options.destination !== undefined };
  }

  #onProvisional(response: SipResponse): void {
    if (this.#state === 'calling') this.#state = 'proceeding';
    let dialog: Dialog | undefined;
    const tag = response.status > 100 ? getToTag(response) : undefined;
    if (tag !== undefined && this.#state === 'proceeding') {
      dialog = this.#early.get(tag);
      if (!dialog) {
        try {
          dialog = new Dialog(this.#host.context, uacDialogState(this.#client.request, response), {
            role: 'uac',
            early: true,
            auth: this.#auth,
            localSdp: this.#options.sdp,
            ...this.#flow(),
          });
        } catch {
          dialog = undefined; // a malformed 1xx creates no dialog
        }
        if (dialog) {
          this.#early.set(tag, dialog);
          this.#host.adopt(dialog);
          const d = dialog;
          d.once('terminated', () => {
            if (this.#early.get(tag) === d) this.#early.delete(tag);
          });
        }
      }
      const sdp = sdpOf(response);
      if (dialog && sdp !== undefined) dialog.setSdp(undefined, sdp);
    }
    this.emit('progress', response, dialog);
  }

  #onFinal(response: SipResponse): void {
    if (response.status < 300) {
      this.#on2xx(response, false);
      return;
    }
    const minSE = getMinSE(response);
    if (response.status === 422 && !this.#retried422 && !this.#cancelled && minSE !== undefined && this.#options.sessionExpires !== undefined) {
      this.#retried422 = true;
      this.#cseq++;
      const interval = Math.max(minSE, this.#options.sessionExpires);
      // The resend carries credentials already learnt: ClientRequest authorizes up front once its client knows a realm.
      this.#client = this.#send(this.#build(interval, minSE));
      return;
    }
    this.#fail(SipError.fromResponse(response));
  }

  #on2xx(response: SipResponse, late: boolean): void {
    let tag: string | undefined;
    try {
      tag = getToTag(response);
    } catch {
      tag = undefined;
    }
    if (tag === undefined) {
      // A 2xx that cannot make a dialog (no To tag): nothing to ACK within; the call cannot go on.
      if (!late) this.#fail(new SipError(502, 'Bad Gateway (2xx without To tag)', { response }));
      return;
    }
    if (this.#dialog && this.#dialog.remoteTag === tag) {
      this.#dialog.handleResponse(response); // a retransmission: ACK again
      return;
    }
    const fork = this.#forks.get(tag);
    if (fork) {
      fork.handleResponse(response);
      return;
    }
    if (late && !this.#dialog && this.#state !== 'failed') return; // cannot happen before the first final
    const dialog = this.#confirmDialog(tag, response);
    if (!dialog) {
      if (!late) this.#fail(new SipError(502, 'Bad Gateway (unusable 2xx)', { response }));
      return;
    }
    if (this.#dialog || this.#state === 'failed' || this.#cancelled) {
      // §13.2.2.4: a second 2xx (another fork), or one after we gave up: ACK it, then BYE.
      this.#forks.set(tag, dialog);
      void dialog.bye();
      if (!this.#dialog && this.#state !== 'failed') this.#fail(new SipError(487, 'Request Terminated', { response }));
      return;
    }
    this.#dialog = dialog;
    this.#state = 'answered';
    for (const [t, early] of this.#early) if (t !== tag) early.terminate('forked');
    this.#early.clear();
    this.#finishLater();
    for (const w of this.#waiting.splice(0)) w.resolve(dialog);
    this.emit('answered', dialog, response);
  }

  /** Turns the early dialog of `tag` (or a new one) into a confirmed dialog and ACKs the 2xx. */
  #confirmDialog(tag: string, response: SipResponse): Dialog | undefined {
    let dialog = this.#early.get(tag);
    if (dialog) {
      this.#early.delete(tag);
      dialog.confirm(response);
    } else {
      try {
        dialog = new Dialog(this.#host.context, uacDialogState(this.#client.request, response), {
          role: 'uac',
          auth: this.#auth,
          ...this.#flow(),
        });
      } catch {
        return undefined;
      }
      this.#host.adopt(dialog);
    }
    const offer = sdpOf(response);
    const allow = getHeaders(response, 'Allow');
    try {
      dialog.setRemoteAllow(allow.length ? allow.flatMap(parseTokenList).map((m) => m.toUpperCase()) : undefined);
    } catch {
      /* malformed Allow: keep what we knew */
    }
    let ackBody: { sdp: string } | undefined;
    if (this.#options.sdp === undefined && offer !== undefined && this.#options.ackSdp) {
      ackBody = { sdp: this.#options.ackSdp(offer) };
      dialog.setSdp(ackBody.sdp, offer);
    } else {
      dialog.setSdp(this.#options.sdp, offer);
    }
    dialog.applyUacSession(response);
    dialog.acknowledge(this.#client.request, ackBody);
    return dialog;
  }

  #fail(error: SipError): void {
    if (this.#state === 'answered' || this.#state === 'failed') return;
    this.#state = 'failed';
    this.#error = error;
    for (const early of this.#early.values()) early.terminate('rejected');
    this.#early.clear();
    this.#finishLater();
    for (const w of this.#waiting.splice(0)) w.reject(error);
    this.emit('failed', error);
  }

  /** Keeps listening for late 2xx (forks, retransmissions) for 64·T1, like timer M, then unfiles. */
  #finishLater(): void {
    this.#timers.start('linger', 64 * this.#host.context.transactions.config.t1, () => {
      this.#untrack?.();
      this.#untrack = undefined;
    });
  }
}
