/**
 * TestPhone: a SIP phone for calls tests, made of our own parts — a SipStack on 127.0.0.1 for
 * signalling and a MediaSession (an RtpLeg, or a WebRtcLeg standing in for a browser) for media.
 * It registers, places calls, answers calls (optionally with 183 early media or a refusal), sends
 * a tone on the shared media clock, records what it hears and the DTMF it gets, and hangs up.
 */
import { EventEmitter } from 'node:events';
import { createEncoder, ToneGenerator, type AudioEncoder, type CodecName, type MediaClock } from '../../../media/index.ts';
import type { RtpPortPool } from '../../rtp/index.ts';
import { SipStack } from '../../sip/stack/index.ts';
import { sdpOf, TransactionLayer, UserAgent, type Dialog, type IncomingInvite, type OutgoingInvite, type SipResponse } from '../../sip/index.ts';
import { WsSipTransport } from './ws-sip-transport.ts';
import { frameUnits, pcmRate, FRAME_MS } from '../codec-rates.ts';
import type { LegCodec, MediaDirection, MediaRtpPacket, MediaSendRtpOptions } from '../media-leg.ts';
import type { MediaSession } from '../sessions/media-session.ts';
import { SessionFactory } from '../sessions/session-factory.ts';
import { decodeSent, toneShare, type SentPacket } from './audio.ts';

/** A call as one phone sees it. */
export class PhoneCall extends EventEmitter<{ ended: []; direction: [MediaDirection] }> {
  readonly session: MediaSession;
  dialog: Dialog | undefined;
  readonly received: SentPacket[] = [];
  readonly dtmf: string[] = [];
  readonly #clock: MediaClock;
  #stopTone: (() => void) | undefined;
  #ended = false;

  constructor(session: MediaSession, clock: MediaClock) {
    super();
    this.session = session;
    this.#clock = clock;
    const leg = session.media.leg;
    leg.on('rtp', (p: MediaRtpPacket) => this.received.push({ payload: p.payload.slice(), timestamp: p.timestamp, marker: p.marker }));
    leg.on('dtmf', (d: string) => this.dtmf.push(d));
  }

  get codec(): LegCodec {
    return this.session.media.codec!;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** @internal */
  bind(dialog: Dialog): void {
    this.dialog = dialog;
    dialog.on('dtmf', (e) => this.dtmf.push(`info:${e.digit}`));
    dialog.on('reinvite', async (offer) => {
      if (!offer.sdp) return offer.accept(dialog.localSdp);
      const r = await this.session.handleReoffer(offer.sdp);
      offer.accept(r.sdp);
      this.emit('direction', r.remoteDirection);
    });
    dialog.once('terminated', () => this.#end());
  }

  /** Send a sine of `frequency` from now on, one 20 ms frame per media tick. */
  startTone(frequency: number): void {
    this.#stopTone?.();
    const codec = this.codec;
    const rate = pcmRate(codec);
    const tone = new ToneGenerator({ frequency, sampleRate: rate, dbfs: -6 });
    const encoder: AudioEncoder = createEncoder(codec.name, { sampleRate: rate });
    const pcm = new Int16Array((rate * FRAME_MS) / 1000);
    const out = new Uint8Array(1500);
    const send: MediaSendRtpOptions = { timestamp: 0, marker: true };
    let ts = 0;
    const off = this.#clock.subscribe(() => {
      tone.fill(pcm);
      const n = encoder.encode(pcm, out);
      send.timestamp = ts;
      this.session.media.leg.sendRtp(out.subarray(0, n), send);
      send.marker = false;
      ts += frameUnits(codec);
    });
    this.#stopTone = () => {
      off();
      encoder.close?.();
      this.#stopTone = undefined;
    };
  }

  stopTone(): void {
    this.#stopTone?.();
  }

  /**
   * How purely `frequency` came through after packet `from`: the median over 100 ms windows of
   * its share of the signal (≈1 for a clean tone). The median ignores the odd window where a
   * real-time jitter buffer inserted or dropped a frame; a wrong, missing or garbled path fails.
   */
  heard(frequency: number, from = 10): number {
    const rate = pcmRate(this.codec);
    const pcm = decodeSent(this.received.slice(from), this.codec);
    const win = rate / 10;
    const shares: number[] = [];
    for (let i = 0; i + win <= pcm.length; i += win) shares.push(toneShare(pcm.subarray(i, i + win), rate, frequency, 0));
    if (shares.length === 0) return 0;
    shares.sort((x, y) => x - y);
    return shares[Math.floor(shares.length / 2)]!;
  }

  /** Put the far end on hold (re-INVITE sendonly) or resume it. */
  async hold(direction: MediaDirection): Promise<void> {
    const sdp = await this.session.reoffer(direction);
    const response = await this.dialog!.reinvite(sdp);
    await this.session.applyReanswer(sdpOf(response)!);
  }

  hangup(): void {
    void this.dialog?.bye().catch(() => undefined);
    this.#end();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#stopTone?.();
    this.session.close();
    this.emit('ended');
  }
}

export interface AnswerPolicy {
  codecs?: CodecName[];
  /** Send 183 with early media before answering (its SDP is our answer). Default: 180 only. */
  earlyMedia?: boolean;
  /** Answer after this long (ms). Default 0. */
  delayMs?: number;
  /** Refuse with this status instead. */
  reject?: number;
  /** Do not answer at all (let it ring). */
  noAnswer?: boolean;
  /** Hang up ourselves this long after the ACK of our 200 (ms). Default: never. */
  hangupAfterMs?: number;
}

export class TestPhone {
  readonly ua: UserAgent;
  /** The SIP port (UDP phones; 0 over WebSocket). */
  readonly port: number;
  /** Over WebSocket: what we register from. */
  readonly transport: 'udp' | 'ws';
  readonly sessions: SessionFactory;
  readonly #close: () => Promise<void>;
  readonly #clock: MediaClock;
  readonly calls: PhoneCall[] = [];
  readonly incoming: IncomingInvite[] = [];
  #policy: AnswerPolicy | undefined;

  /** A phone on UDP with its own SipStack. */
  static async start(clock: MediaClock, ports: RtpPortPool, timers?: { t1?: number; t4?: number }): Promise<TestPhone> {
    const stack = await SipStack.start({ listen: { host: '127.0.0.1', port: 0 }, ws: false, userAgent: 'TestPhone', timers });
    const port = stack.transport.listeningEndpoint('udp')!.port;
    return new TestPhone(stack.ua, port, 'udp', clock, ports, () => stack.close());
  }

  /** A phone on SIP over WebSocket to `wsUrl`, as a browser (JsSIP) connects: a `.invalid` Contact. */
  static async startWs(clock: MediaClock, ports: RtpPortPool, wsUrl: string): Promise<TestPhone> {
    const transport = await WsSipTransport.connect(wsUrl);
    const transactions = new TransactionLayer(transport, {});
    const host = `${Math.random().toString(36).slice(2, 10)}.invalid`;
    const ua = new UserAgent({ transactions, contact: { host, ports: { ws: 0 } }, userAgent: 'TestPhone (ws)' });
    return new TestPhone(ua, 0, 'ws', clock, ports, async () => {
      ua.close();
      transactions.close();
      await transport.close();
    });
  }

  private constructor(ua: UserAgent, port: number, transport: 'udp' | 'ws', clock: MediaClock, ports: RtpPortPool, close: () => Promise<void>) {
    this.ua = ua;
    this.port = port;
    this.transport = transport;
    this.#close = close;
    this.#clock = clock;
    this.sessions = new SessionFactory({ clock, ports, webrtc: { connectTimeoutMs: 5000 } });
    ua.on('invite', (invite) => void this.#onInvite(invite));
  }

  /** REGISTER `user` at the gateway (Digest answered with `password`). */
  register(gatewayPort: number, user: string, password: string): Promise<SipResponse> {
    return this.ua.request({
      method: 'REGISTER',
      uri: this.transport === 'ws' ? `sip:127.0.0.1:${gatewayPort};transport=ws` : `sip:127.0.0.1:${gatewayPort}`,
      from: `sip:${user}@127.0.0.1`,
      to: `sip:${user}@127.0.0.1`,
      credentials: { username: user, password },
      headers: { Expires: '300' },
    });
  }

  /** Answer incoming calls this way from now on. */
  answer(policy: AnswerPolicy): void {
    this.#policy = policy;
  }

  /** Call `target` as `user`; resolves with the answered call, rejects with the SipError. */
  async call(
    target: string,
    options: {
      user: string;
      password?: string;
      codecs?: CodecName[];
      webrtc?: boolean;
      onProgress?: (r: SipResponse, invite: OutgoingInvite) => void;
    },
  ): Promise<{ call: PhoneCall; invite: OutgoingInvite }> {
    const session = await this.sessions.forTarget(options.webrtc ? 'webrtc' : 'rtp', options.codecs ?? ['PCMU'], { only: true });
    const call = new PhoneCall(session, this.#clock);
    const sdp = await session.createOffer();
    const invite = this.ua.invite({
      target,
      from: `sip:${options.user}@127.0.0.1`,
      sdp,
      credentials: options.password ? { username: options.user, password: options.password } : undefined,
    });
    invite.on('progress', async (r) => {
      options.onProgress?.(r, invite);
      const early = sdpOf(r);
      if (early) await session.applyAnswer(early).catch(() => undefined);
    });
    try {
      const dialog = await invite.result();
      await session.applyAnswer(dialog.remoteSdp!);
      call.bind(dialog);
      this.calls.push(call);
      return { call, invite };
    } catch (err) {
      session.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    for (const c of this.calls) c.hangup();
    await this.#close();
    await this.sessions.settled();
  }

  async #onInvite(invite: IncomingInvite): Promise<void> {
    this.incoming.push(invite);
    const p = this.#policy ?? {};
    if (p.reject) {
      invite.reject(p.reject);
      return;
    }
    invite.progress(180);
    if (p.noAnswer) return;
    const session = await this.sessions.forOffer(invite.sdp!, p.codecs?.[0], undefined, p.codecs);
    const call = new PhoneCall(session, this.#clock);
    this.calls.push(call);
    invite.once('cancel', () => call.hangup());
    const sdp = await session.answer(invite.sdp!);
    if (p.earlyMedia) invite.progress(183, { sdp });
    if (p.delayMs) await new Promise((r) => setTimeout(r, p.delayMs));
    if (invite.finished) {
      call.hangup();
      return;
    }
    const acked = invite.accept(sdp);
    call.bind(invite.dialog!);
    // RFC 3261 §15: a callee must not send BYE before the ACK of its 2xx arrived.
    acked.then(
      () => {
        if (p.hangupAfterMs !== undefined) setTimeout(() => call.hangup(), p.hangupAfterMs);
      },
      () => undefined,
    );
  }
}
