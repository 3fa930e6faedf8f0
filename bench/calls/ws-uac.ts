/**
 * A lean SIP-over-WebSocket user agent for the load generator — what a browser's JsSIP does, and
 * no more: REGISTER and INVITE with digest retry (gateway/sip's DigestClient), ACK, BYE, and
 * answering the gateway's in-dialog requests (BYE, re-INVITE, INFO, OPTIONS) with 200. WebSocket
 * is reliable, so there are no retransmission timers. Messages are built and parsed with
 * gateway/sip/message.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { DigestClient } from '../../gateway/sip/auth/index.ts';
import {
  createRequest,
  createResponse,
  getContacts,
  getHeader,
  getHeaders,
  getToTag,
  parseCSeq,
  parseMessage,
  serializeMessage,
  type HeaderInit,
  type SipRequest,
  type SipResponse,
} from '../../gateway/sip/message/index.ts';

const rand = (n = 8) => randomBytes(n).toString('hex');

/** One call placed by a WsSipUser. */
export class WsCall extends EventEmitter<{ ended: [by: 'remote' | 'local'] }> {
  /** The gateway's SDP answer. */
  readonly answer: string;
  /** Our offer (sent again to answer a re-INVITE). */
  readonly local: string;
  readonly #user: WsSipUser;
  readonly callId: string;
  readonly fromTag: string;
  readonly toTag: string;
  readonly target: string;
  readonly toUri: string;
  #cseq: number;
  #ended = false;

  /** @internal */
  constructor(user: WsSipUser, init: { answer: string; local: string; callId: string; fromTag: string; toTag: string; target: string; toUri: string; cseq: number }) {
    super();
    this.#user = user;
    this.answer = init.answer;
    this.local = init.local;
    this.callId = init.callId;
    this.fromTag = init.fromTag;
    this.toTag = init.toTag;
    this.target = init.target;
    this.toUri = init.toUri;
    this.#cseq = init.cseq;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** @internal the gateway hung up */
  remoteBye(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.emit('ended', 'remote');
  }

  async bye(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#user.transact('BYE', this.target, { callId: this.callId, fromTag: this.fromTag, toUri: this.toUri, toTag: this.toTag, cseq: ++this.#cseq });
    this.emit('ended', 'local');
  }
}

export class WsSipUser {
  readonly user: string;
  readonly domain: string;
  readonly #ws: WebSocket;
  readonly #digest: DigestClient;
  readonly #host = `${rand(6)}.invalid`;
  readonly #contact: string;
  readonly #pending = new Map<string, (r: SipResponse) => void>();
  readonly #calls = new Map<string, WsCall>();
  #regCallId = rand();
  #regCseq = 0;

  private constructor(ws: WebSocket, user: string, password: string, domain: string) {
    this.#ws = ws;
    this.user = user;
    this.domain = domain;
    this.#digest = new DigestClient({ credentials: { username: user, password } });
    this.#contact = `<sip:${user}@${this.#host};transport=ws>`;
    ws.on('message', (data: Buffer) => this.#onMessage(data));
  }

  static async connect(url: string, user: string, password: string, domain = '127.0.0.1'): Promise<WsSipUser> {
    const ws = new WebSocket(url, 'sip');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new WsSipUser(ws, user, password, domain);
  }

  async register(expires = 600): Promise<void> {
    const r = await this.transact('REGISTER', `sip:${this.domain}`, {
      callId: this.#regCallId,
      fromTag: rand(),
      toUri: `sip:${this.user}@${this.domain}`,
      cseq: ++this.#regCseq,
      headers: { Contact: this.#contact, Expires: expires },
      nextCseq: () => ++this.#regCseq,
    });
    if (r.status !== 200) throw new Error(`REGISTER ${this.user}: ${r.status} ${r.reason}`);
  }

  /** Places a call with `sdp` as the offer; resolves once answered (ACK sent). */
  async invite(number: string, sdp: string): Promise<WsCall> {
    const target = `sip:${number}@${this.domain}`;
    const callId = rand();
    const fromTag = rand();
    let cseq = 1;
    const r = await this.transact('INVITE', target, {
      callId,
      fromTag,
      toUri: target,
      cseq,
      body: sdp,
      contentType: 'application/sdp',
      headers: { Contact: this.#contact },
      nextCseq: () => ++cseq,
      onFailure: (res, req) => this.#ackFailure(res, req),
    });
    if (r.status < 200 || r.status >= 300) throw new Error(`INVITE ${number}: ${r.status} ${r.reason}`);
    const toTag = getToTag(r) ?? '';
    const remote = getContacts(r)[0]?.uri ?? target;
    cseq = parseCSeq(getHeader(r, 'CSeq') ?? '1 INVITE').seq;
    this.#send(this.#request('ACK', remote, { callId, fromTag, toUri: target, toTag, cseq, method: 'ACK' }));
    const call = new WsCall(this, { answer: r.body.toString('utf8'), local: sdp, callId, fromTag, toTag, target: remote, toUri: target, cseq });
    this.#calls.set(callId, call);
    call.once('ended', () => this.#calls.delete(callId));
    return call;
  }

  /** @internal Sends a request (no dialog state kept), retrying once per digest challenge; resolves with the final response. */
  async transact(
    method: string,
    uri: string,
    o: { callId: string; fromTag: string; toUri: string; toTag?: string; cseq: number; body?: string; contentType?: string; headers?: Record<string, string | number>; nextCseq?: () => number; onFailure?: (r: SipResponse, req: SipRequest) => void },
  ): Promise<SipResponse> {
    let cseq = o.cseq;
    for (let attempt = 0; ; attempt++) {
      const req = this.#request(method, uri, { ...o, cseq });
      for (const h of this.#digest.authorize({ method, uri, body: o.body })) req.headers.push(h);
      const response = await this.#await(req);
      if ((response.status === 401 || response.status === 407) && attempt < 2) {
        o.onFailure?.(response, req);
        if (!this.#digest.onChallenge(response, req).ok) return response;
        cseq = o.nextCseq ? o.nextCseq() : cseq + 1;
        continue;
      }
      if (response.status >= 300) o.onFailure?.(response, req);
      return response;
    }
  }

  #request(method: string, uri: string, o: { callId: string; fromTag: string; toUri: string; toTag?: string; cseq: number; body?: string; contentType?: string; headers?: HeaderInit; method?: string }): SipRequest {
    const headers: Record<string, string | number> = {
      Via: `SIP/2.0/WS ${this.#host};branch=z9hG4bK${rand()}`,
      From: `<sip:${this.user}@${this.domain}>;tag=${o.fromTag}`,
      To: `<${o.toUri}>${o.toTag ? `;tag=${o.toTag}` : ''}`,
      'Call-ID': o.callId,
      CSeq: `${o.cseq} ${o.method ?? method}`,
      ...(o.headers as Record<string, string | number> | undefined),
    };
    return createRequest({ method, uri, headers, body: o.body, contentType: o.contentType });
  }

  /** RFC 3261 §17.1.1.3: a non-2xx final answer to an INVITE is ACKed in its transaction. */
  #ackFailure(response: SipResponse, invite: SipRequest): void {
    if (invite.method !== 'INVITE') return;
    const cseq = parseCSeq(getHeader(invite, 'CSeq')!).seq;
    const ack = createRequest({
      method: 'ACK',
      uri: invite.uri,
      headers: {
        Via: getHeader(invite, 'Via')!,
        From: getHeader(invite, 'From')!,
        To: getHeader(response, 'To')!,
        'Call-ID': getHeader(invite, 'Call-ID')!,
        CSeq: `${cseq} ACK`,
      },
    });
    this.#send(ack);
  }

  #await(req: SipRequest): Promise<SipResponse> {
    const branch = /branch=([^;\s]+)/.exec(getHeader(req, 'Via')!)![1]!;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(branch);
        reject(new Error(`${req.method} ${req.uri}: no final response within 32 s`));
      }, 32_000);
      this.#pending.set(branch, (r) => {
        if (r.status < 200) return;
        clearTimeout(timer);
        this.#pending.delete(branch);
        resolve(r);
      });
      this.#send(req);
    });
  }

  #send(message: SipRequest | SipResponse): void {
    this.#ws.send(serializeMessage(message).toString('utf8'));
  }

  #onMessage(data: Buffer): void {
    let message;
    try {
      message = parseMessage(data);
    } catch {
      return;
    }
    if (message.kind === 'response') {
      const branch = /branch=([^;\s]+)/.exec(getHeaders(message, 'Via')[0] ?? '')?.[1];
      if (branch) this.#pending.get(branch)?.(message);
      return;
    }
    if (message.method === 'ACK') return;
    const callId = getHeader(message, 'Call-ID') ?? '';
    const call = this.#calls.get(callId);
    if (message.method === 'INVITE' && call) {
      this.#send(createResponse(message, 200, undefined, { headers: { Contact: this.#contact }, body: call.local, contentType: 'application/sdp' }));
      return;
    }
    this.#send(createResponse(message, call || message.method === 'OPTIONS' ? 200 : 481));
    if (message.method === 'BYE') call?.remoteBye();
  }

  close(): void {
    this.#ws.close();
  }
}
