/**
 * UserAgent: the SIP user agent (UAC and UAS cores, RFC 3261 §8, §12–17) on a TransactionLayer —
 * the small surface the calls layer uses. Outgoing: `invite()` (an OutgoingInvite) and
 * `request()` (any out-of-dialog non-INVITE, e.g. OPTIONS, REGISTER, MESSAGE). Incoming: 'invite'
 * (an IncomingInvite to ring, accept or reject) and 'request' (other out-of-dialog requests;
 * OPTIONS is answered for you, REGISTER goes to a Registrar when one is given). It keeps the
 * dialog table: in-dialog requests, ACKs, 2xx retransmissions and ACK timeouts reach their
 * Dialog, requests for unknown dialogs get 481, and CANCEL reaches its IncomingInvite.
 */
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { DigestClient } from '../auth/index.ts';
import {
  createRequest,
  createResponse,
  formatNameAddr,
  getFromTag,
  getHeader,
  getHeaders,
  getToTag,
  parseCSeq,
  parseNameAddr,
  parseTokenList,
  toHeaderList,
  type HeaderInit,
} from '../message/index.ts';
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import type { Registrar } from '../registrar/index.ts';
import {
  systemTimers,
  TimerSet,
  type InviteServerTransaction,
  type ServerTransaction,
  type TimerService,
  type TransactionLayer,
} from '../transaction/index.ts';
import {
  ClientRequest,
  MIN_SE_FLOOR,
  dialogKey,
  negotiateAsUas,
  newCallId,
  newTag,
  nextHopOf,
  resolveNextHop,
  type Dialog,
  type DialogContext,
  type HostLookup,
  type SessionTimerSettings,
} from '../dialog/index.ts';
import type { Credentials, InviteHost, StrayInviteHandler } from './host.ts';
import { IncomingInvite } from './incoming-invite.ts';
import { IncomingRequest } from './incoming-request.ts';
import { LocalIdentity, type ContactSettings, type ListeningTransport } from './local-identity.ts';
import { OptionsKeepalive, type OptionsKeepaliveOptions } from './keepalive.ts';
import { OutgoingInvite, type InviteOptions } from './outgoing-invite.ts';

/** Methods we handle (Allow). */
export const ALLOWED_METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'UPDATE', 'REFER', 'NOTIFY', 'MESSAGE'] as const;
/** Extensions we support (Supported): session timers (RFC 4028) only. */
export const SUPPORTED_EXTENSIONS = ['timer'] as const;
/** Body types we accept. */
export const ACCEPTED_TYPES = ['application/sdp', 'application/dtmf-relay', 'application/dtmf', 'message/sipfrag'] as const;

export interface UserAgentOptions {
  /** The transaction layer to run on; the user agent becomes its transaction user. */
  transactions: TransactionLayer;
  /** The transport layer, to learn our listening addresses for Via and Contact (TransportLayer fits). Default: none (then give `contact.host`/`ports`). */
  transport?: ListeningTransport;
  /** How we appear in Contact and Via. Default: the transport's listening addresses, no user part. */
  contact?: ContactSettings;
  /** User-Agent / Server header value. Default 'Patchbay'; '' sends none. */
  userAgent?: string;
  /** Digest credentials for challenges to any request we send. Default: none (401/407 are final). */
  credentials?: Credentials;
  /** Timer service (a FakeClock in tests). Default: Node's timers. */
  timers?: TimerService;
  /** RFC 4028 settings: smallest interval we accept (Min-SE, default 90 s) and how we refresh (default 'auto': UPDATE when the peer allows it). */
  sessionTimers?: Partial<SessionTimerSettings>;
  /** Handles REGISTER requests (no 'request' event for them). Default: none. */
  registrar?: Registrar;
  /** Answer out-of-dialog OPTIONS with 200 and our capabilities ourselves. Default true. */
  answerOptions?: boolean;
  /** Random numbers in [0, 1) for the 491 back-off. Default Math.random. */
  random?: () => number;
  /** Host name lookup for next hops that are names. Default dns.lookup. */
  lookup?: HostLookup;
  /** Debug logger (pino-compatible). Default: none. */
  logger?: { debug(obj: object, msg?: string): void };
}

export interface UserAgentEvents {
  /** A new call: ring it, accept it or reject it. Without a listener we answer 480. */
  invite: [call: IncomingInvite];
  /** An out-of-dialog request other than INVITE/CANCEL/ACK (and OPTIONS/REGISTER when handled for you). Without a listener: 405/501. */
  request: [request: IncomingRequest];
  /** A dialog was created (early or confirmed, either side). */
  dialog: [dialog: Dialog];
  /** A listener threw or a message could not be handled; the user agent keeps going. */
  error: [error: Error];
}

export interface RequestOptions {
  /** Method, e.g. 'OPTIONS', 'REGISTER', 'MESSAGE'. */
  method: string;
  /** Request-URI. */
  uri: string;
  /** From (URI or name-addr). Default: our address. */
  from?: string;
  /** To (URI or name-addr). Default: the Request-URI. */
  to?: string;
  /** Call-ID. Default: a fresh one (pass the same one for REGISTER refreshes). */
  callId?: string;
  /** CSeq number. Default 1. */
  cseq?: number;
  /** Extra headers (Expires, Event, Accept…). Default none. */
  headers?: HeaderInit;
  /** Body; strings are sent as UTF-8. Default none. */
  body?: string | Buffer;
  /** Content-Type of the body. Default none. */
  contentType?: string;
  /** Where to send. Default: the next hop of the Request-URI or first route. */
  destination?: SipEndpoint;
  /** Credentials for this request. Default: the user agent's. */
  credentials?: Credentials;
  /** Preloaded route set (outbound proxy). */
  routes?: string[];
  /** Add our Contact. Default: true for REGISTER, SUBSCRIBE, NOTIFY and REFER. */
  contact?: boolean;
}

export interface UserAgentStats {
  dialogs: number;
  earlyDialogs: number;
  /** Outgoing INVITEs still listening for responses. */
  outgoingInvites: number;
  /** Incoming INVITEs not answered finally yet. */
  incomingInvites: number;
}

const CONTACT_METHODS = new Set(['REGISTER', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

function asNameAddr(value: string): string {
  return value.includes('<') ? value : `<${value}>`;
}

export class UserAgent extends EventEmitter<UserAgentEvents> {
  readonly identity: LocalIdentity;
  readonly #transactions: TransactionLayer;
  readonly #options: UserAgentOptions;
  readonly #context: DialogContext;
  readonly #host: InviteHost;
  readonly #timers: TimerSet;
  readonly #dialogs = new Map<string, Dialog>();
  readonly #outgoing = new Map<string, StrayInviteHandler>();
  readonly #incoming = new Map<InviteServerTransaction, IncomingInvite>();
  /** Call-ID/From tag/CSeq of INVITEs being processed, to spot merged requests (§8.2.2.2). */
  readonly #inviteKeys = new Map<string, InviteServerTransaction>();
  /** ACKs of ended dialogs, re-sent if their 2xx is retransmitted (for 64·T1). */
  readonly #recentAcks = new Map<string, { ack: SipRequest; destination: SipEndpoint }>();
  readonly #listeners: Array<() => void> = [];
  #closed = false;

  constructor(options: UserAgentOptions) {
    super();
    this.#options = options;
    this.#transactions = options.transactions;
    this.identity = new LocalIdentity(options.contact, options.transport);
    const timers = options.timers ?? systemTimers;
    this.#timers = new TimerSet(timers);
    const identity = this.identity;
    const lookup = options.lookup;
    const random = options.random ?? Math.random;
    this.#context = {
      transactions: options.transactions,
      timers,
      viaAddress: (protocol) => identity.address(protocol),
      contact: (protocol, secure) => identity.contact(protocol, secure),
      resolve: (request) => {
        const hop = nextHopOf(request);
        if (isIP(hop.host)) return { protocol: hop.protocol, address: hop.host, port: hop.port };
        return resolveNextHop(hop, lookup);
      },
      random: () => random(),
      allow: ALLOWED_METHODS,
      supported: SUPPORTED_EXTENSIONS,
      accept: ACCEPTED_TYPES,
      userAgent: options.userAgent === '' ? undefined : (options.userAgent ?? 'Patchbay'),
      sessionTimers: {
        minSE: Math.max(options.sessionTimers?.minSE ?? MIN_SE_FLOOR, MIN_SE_FLOOR),
        refreshMethod: options.sessionTimers?.refreshMethod ?? 'auto',
      },
    };
    this.#host = {
      context: this.#context,
      identity,
      adopt: (dialog) => this.#adopt(dialog),
      // One client per call or request: challenges learnt for one peer are never volunteered to another.
      digestClient: (credentials) => {
        const c = credentials ?? options.credentials;
        return c ? new DigestClient({ credentials: c }) : undefined;
      },
      trackInvite: (callId, localTag, handler) => {
        const key = `${callId}\n${localTag}`;
        this.#outgoing.set(key, handler);
        return () => {
          if (this.#outgoing.get(key) === handler) this.#outgoing.delete(key);
        };
      },
    };
    const on = <E extends 'request' | 'ack' | 'strayResponse' | 'ackTimeout'>(event: E, listener: (...args: never[]) => void) => {
      this.#transactions.on(event, listener as never);
      this.#listeners.push(() => this.#transactions.off(event, listener as never));
    };
    on('request', (st: ServerTransaction) => this.#guard(() => this.#onRequest(st)));
    on('ack', (ack: SipRequest) => this.#guard(() => this.#onAck(ack)));
    on('strayResponse', (response: SipResponse) => this.#guard(() => this.#onStrayResponse(response)));
    on('ackTimeout', (response: SipResponse) => this.#guard(() => this.#onAckTimeout(response)));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The dialog context this user agent gives its dialogs (for tests and advanced callers). */
  get context(): DialogContext {
    return this.#context;
  }

  /** Dialogs alive now (early and confirmed). */
  get dialogs(): Dialog[] {
    return [...this.#dialogs.values()];
  }

  /** Places a call. Listen for 'progress', 'answered' and 'failed', or await `result()`. */
  invite(options: InviteOptions): OutgoingInvite {
    if (this.#closed) throw new Error('user agent is closed');
    return new OutgoingInvite(this.#host, options);
  }

  /**
   * Sends an out-of-dialog request other than INVITE and resolves with its final response,
   * whatever the status (after answering one challenge with credentials). Local failures come
   * back as responses too: 408 (timeout), 503 (unreachable) — see isLocalResponse().
   */
  request(options: RequestOptions): Promise<SipResponse> {
    if (this.#closed) return Promise.reject(new Error('user agent is closed'));
    const method = options.method.toUpperCase();
    if (method === 'INVITE' || method === 'ACK' || method === 'CANCEL') {
      return Promise.reject(new Error(`use invite()/cancel() for ${method}`));
    }
    const from = parseNameAddr(asNameAddr(options.from ?? this.identity.aor()));
    from.params = { ...from.params, tag: newTag() };
    const headers = toHeaderList({
      From: formatNameAddr(from),
      To: asNameAddr(options.to ?? options.uri),
      'Call-ID': options.callId ?? newCallId(),
      CSeq: `${options.cseq ?? 1} ${method}`,
    });
    for (const r of options.routes ?? []) headers.push({ name: 'Route', value: asNameAddr(r) });
    if (this.#context.userAgent) headers.push({ name: 'User-Agent', value: this.#context.userAgent });
    headers.push(...toHeaderList(options.headers));
    const request = createRequest({ method, uri: options.uri, headers, body: options.body, contentType: options.contentType });
    const client = new ClientRequest(this.#context, request, {
      destination: options.destination,
      auth: this.#host.digestClient(options.credentials),
      contact: options.contact ?? CONTACT_METHODS.has(method),
    });
    client.start();
    return client.result();
  }

  /** Starts an OPTIONS keepalive toward a peer ('up'/'down' events); stop it with close(). */
  keepalive(options: OptionsKeepaliveOptions): OptionsKeepalive {
    return new OptionsKeepalive(this, this.#context.timers, options).start();
  }

  getStats(): UserAgentStats {
    let early = 0;
    for (const d of this.#dialogs.values()) if (d.state === 'early') early++;
    return {
      dialogs: this.#dialogs.size - early,
      earlyDialogs: early,
      outgoingInvites: this.#outgoing.size,
      incomingInvites: this.#incoming.size,
    };
  }

  /** Stops handling messages and ends every dialog locally (no BYE; reason 'closed'); idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#listeners.splice(0)) off();
    for (const dialog of [...this.#dialogs.values()]) dialog.terminate('closed');
    this.#dialogs.clear();
    this.#timers.stopAll();
    this.#recentAcks.clear();
    for (const invite of this.#outgoing.values()) invite.close();
    this.#outgoing.clear();
    this.#incoming.clear();
    this.#inviteKeys.clear();
  }

  // ---------------------------------------------------------------- dispatch

  #adopt(dialog: Dialog): void {
    const key = dialog.key;
    this.#dialogs.set(key, dialog);
    dialog.once('terminated', () => {
      if (this.#dialogs.get(key) === dialog) this.#dialogs.delete(key);
      const last = dialog.lastAck;
      if (last && !this.#closed) {
        const ackKey = `${key}\n${last.seq}`;
        this.#recentAcks.set(ackKey, { ack: last.ack, destination: last.destination });
        this.#timers.start(`ack ${ackKey}`, 64 * this.#transactions.config.t1, () => this.#recentAcks.delete(ackKey));
      }
    });
    this.emit('dialog', dialog);
  }

  #dialogFor(callId: string | undefined, localTag: string | undefined, remoteTag: string | undefined): Dialog | undefined {
    if (callId === undefined || localTag === undefined) return undefined;
    return this.#dialogs.get(dialogKey({ callId: callId.trim(), localTag, remoteTag: remoteTag ?? '' }));
  }

  #onRequest(st: ServerTransaction): void {
    const request = st.request;
    if (request.method === 'CANCEL') {
      this.#onCancel(st);
      return;
    }
    let toTag: string | undefined;
    let fromTag: string | undefined;
    try {
      toTag = getToTag(request);
      fromTag = getFromTag(request);
      parseCSeq(getHeader(request, 'CSeq') ?? '');
      if (getHeader(request, 'Call-ID') === undefined) throw new Error('no Call-ID');
    } catch {
      st.respond(createResponse(request, 400, 'Bad Request', { toTag: newTag() }));
      return;
    }
    if (toTag !== undefined) {
      const dialog = this.#dialogFor(getHeader(request, 'Call-ID'), toTag, fromTag);
      if (dialog) dialog.handleRequest(st);
      else st.respond(this.#response(request, 481));
      return;
    }
    if (request.method === 'INVITE') this.#onInvite(st as InviteServerTransaction);
    else this.#onOutOfDialog(st);
  }

  #onInvite(st: InviteServerTransaction): void {
    const request = st.request;
    // §8.2.2.2: the same request reached us twice over different paths.
    const mergeKey = `${getHeader(request, 'Call-ID')!.trim()}\n${getFromTag(request) ?? ''}\n${parseCSeq(getHeader(request, 'CSeq')!).seq}`;
    const earlier = this.#inviteKeys.get(mergeKey);
    if (earlier && earlier !== st && !earlier.terminated) {
      st.respond(this.#response(request, 482));
      return;
    }
    this.#inviteKeys.set(mergeKey, st);
    st.once('terminated', () => {
      if (this.#inviteKeys.get(mergeKey) === st) this.#inviteKeys.delete(mergeKey);
      this.#incoming.delete(st);
    });
    // §8.2.2.3: extensions the caller requires and we lack.
    const unsupported = this.#unsupported(request);
    if (unsupported.length > 0) {
      st.respond(this.#response(request, 420, { Unsupported: unsupported.join(', ') }));
      return;
    }
    const session = negotiateAsUas(request, this.#context.sessionTimers.minSE);
    if (session.kind === 'too-small') {
      st.respond(this.#response(request, 422, { 'Min-SE': String(session.minSE) }));
      return;
    }
    if (this.listenerCount('invite') === 0) {
      st.respond(this.#response(request, 480));
      return;
    }
    const call = new IncomingInvite(this.#host, st, session);
    this.#incoming.set(st, call);
    const settle = () => {
      if (call.finished) this.#incoming.delete(st);
    };
    st.on('stateChange', settle);
    this.emit('invite', call);
  }

  #onCancel(st: ServerTransaction): void {
    const target = st.cancelTarget as InviteServerTransaction | undefined;
    if (!target) {
      st.respond(this.#response(st.request, 481));
      return;
    }
    st.respond(this.#response(st.request, 200));
    const call = this.#incoming.get(target);
    if (call) call.handleCancel(st.request);
    else if (target.state === 'proceeding') target.respond(this.#response(target.request, 487));
  }

  #onOutOfDialog(st: ServerTransaction): void {
    const request = st.request;
    const registrar = this.#options.registrar;
    if (request.method === 'REGISTER' && registrar) {
      registrar.handle(request, st.source).then(
        (response) => st.respond(response),
        (err: unknown) => {
          this.#report(err);
          st.respond(this.#response(request, 500));
        },
      );
      return;
    }
    if (request.method === 'OPTIONS' && this.#options.answerOptions !== false) {
      st.respond(
        this.#response(request, 200, {
          Allow: this.#context.allow.join(', '),
          Accept: this.#context.accept.join(', '),
          Supported: this.#context.supported.join(', '),
        }),
      );
      return;
    }
    if (this.listenerCount('request') > 0) {
      this.emit('request', new IncomingRequest(st, this.#context.userAgent));
      return;
    }
    const known = (this.#context.allow as readonly string[]).includes(request.method) || request.method === 'REGISTER';
    st.respond(this.#response(request, known ? 405 : 501, { Allow: this.#context.allow.join(', ') }));
  }

  #onAck(ack: SipRequest): void {
    const dialog = this.#dialogFor(getHeader(ack, 'Call-ID'), getToTag(ack), getFromTag(ack));
    dialog?.handleAck(ack);
  }

  #onStrayResponse(response: SipResponse): void {
    if (response.status < 200 || response.status >= 300) return;
    const cseq = parseCSeq(getHeader(response, 'CSeq') ?? '');
    if (cseq.method !== 'INVITE') return;
    const callId = getHeader(response, 'Call-ID')?.trim();
    const localTag = getFromTag(response);
    const remoteTag = getToTag(response);
    if (callId === undefined || localTag === undefined || remoteTag === undefined) return;
    const dialog = this.#dialogFor(callId, localTag, remoteTag);
    if (dialog) {
      dialog.handleResponse(response);
      return;
    }
    const outgoing = this.#outgoing.get(`${callId}\n${localTag}`);
    if (outgoing) {
      outgoing.handleStray2xx(response);
      return;
    }
    const recent = this.#recentAcks.get(`${dialogKey({ callId, localTag, remoteTag })}\n${cseq.seq}`);
    if (recent) this.#transactions.sendAck(recent.ack, recent.destination).catch(() => {});
  }

  #onAckTimeout(response: SipResponse): void {
    const dialog = this.#dialogFor(getHeader(response, 'Call-ID'), getToTag(response), getFromTag(response));
    dialog?.handleAckTimeout(response);
  }

  #unsupported(request: SipRequest): string[] {
    const out: string[] = [];
    for (const v of getHeaders(request, 'Require')) {
      let tokens: string[];
      try {
        tokens = parseTokenList(v);
      } catch {
        tokens = v.split(',').map((t) => t.trim());
      }
      for (const t of tokens) if (t && !(SUPPORTED_EXTENSIONS as readonly string[]).includes(t.toLowerCase())) out.push(t);
    }
    return out;
  }

  #response(request: SipRequest, status: number, headers: Record<string, string> = {}): SipResponse {
    const list = toHeaderList(headers);
    if (this.#context.userAgent) list.push({ name: 'Server', value: this.#context.userAgent });
    return createResponse(request, status, undefined, { toTag: newTag(), headers: list });
  }

  #guard(body: () => void): void {
    try {
      body();
    } catch (err) {
      this.#report(err);
    }
  }

  #report(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else this.#options.logger?.debug({ err: error }, 'user agent error');
  }
}
