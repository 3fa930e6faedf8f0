/**
 * RtpSession: a MediaSession on an RtpLeg toward a SIP peer. We write the SDP ourselves
 * (gateway/sip/sdp createOffer/createAnswer/applyAnswer, one audio m-line, ptime 20, RFC 4733,
 * SDES-SRTP accepted and, when asked, offered) and hand the negotiated result to the leg
 * (`connect`). The o= line keeps its session id and raises its version on every new description.
 * Only `codecs` are ever offered or answered, and an answer to our offer that picks another codec
 * is refused (SdpNegotiationError, 488) — so a peer's allowed codecs hold both ways.
 */
import type { MediaClock } from '../../../media/index.ts';
import { RtpLeg, rtpRemoteFromNegotiated, type RtpPortPool } from '../../rtp/index.ts';
import {
  applyAnswer,
  createAnswer,
  createOffer,
  makeCryptoOffer,
  parseSdp,
  SdpNegotiationError,
  type NegotiatedMedia,
  type SdpOrigin,
} from '../../sip/index.ts';
import type { LegMedia, MediaDirection } from '../media-leg.ts';
import { audioDirectionOf, CODEC_SPECS, legCodecOf, preferring, type MediaSession, type ReofferResult } from './media-session.ts';
import type { CodecName } from '../../../media/index.ts';

export interface RtpSessionOptions {
  clock: MediaClock;
  ports: RtpPortPool;
  /** Address advertised in SDP, c= and o= (rtp_address, or a peer's). Default: the pool's bind address. */
  address?: string;
  /** Codecs in our order of preference. */
  codecs: Exclude<CodecName, 'L16'>[];
  /** Offer SDES-SRTP (RTP/SAVP) in our offers. Default false (answers accept it whenever offered). */
  srtp?: boolean;
  /** Leg id. */
  id?: string;
}

export class RtpSession implements MediaSession {
  readonly kind = 'rtp' as const;
  readonly media: LegMedia;
  readonly #leg: RtpLeg;
  readonly #options: RtpSessionOptions;
  readonly #address: string;
  #origin: Partial<Omit<SdpOrigin, 'address'>> = { sessionVersion: 1 };
  /** Our last description (offer or answer) and the offer waiting for its answer. */
  #local: string | undefined;
  #pendingOffer: string | undefined;
  #appliedAnswer: string | undefined;

  static async create(options: RtpSessionOptions): Promise<RtpSession> {
    const leg = await RtpLeg.create({ clock: options.clock, ports: options.ports, advertisedAddress: options.address, id: options.id });
    return new RtpSession(leg, options);
  }

  private constructor(leg: RtpLeg, options: RtpSessionOptions) {
    this.#leg = leg;
    this.#options = options;
    this.#address = leg.localAddress;
    this.media = { leg, codec: undefined, telephoneEvent: false };
  }

  get closed(): boolean {
    return this.#leg.closed;
  }

  get released(): Promise<void> {
    return this.#leg.released;
  }

  /** The leg (for its stats). */
  get leg(): RtpLeg {
    return this.#leg;
  }

  async answer(offer: string): Promise<string> {
    return this.#answer(offer).sdp;
  }

  async createOffer(): Promise<string> {
    const sdp = this.#offer('sendrecv');
    this.#pendingOffer = sdp;
    return sdp;
  }

  async applyAnswer(answer: string): Promise<void> {
    if (answer === this.#appliedAnswer) return;
    const offer = this.#pendingOffer ?? this.#local;
    if (!offer) throw new Error('applyAnswer without an offer');
    this.#connect(applyAnswer(offer, answer), true);
    this.#appliedAnswer = answer;
  }

  async handleReoffer(offer: string): Promise<ReofferResult> {
    const before = this.media.codec;
    const { sdp } = this.#answer(offer);
    const after = this.media.codec;
    return {
      sdp,
      remoteDirection: audioDirectionOf(offer),
      codecChanged: before?.name !== after?.name || before?.payloadType !== after?.payloadType,
    };
  }

  async reoffer(direction: MediaDirection): Promise<string> {
    // Keep the codec in use first so the answer keeps it.
    const sdp = this.#offer(direction, this.media.codec?.name);
    this.#pendingOffer = sdp;
    return sdp;
  }

  async applyReanswer(answer: string): Promise<void> {
    const offer = this.#pendingOffer;
    if (!offer) throw new Error('applyReanswer without a re-offer');
    this.#connect(applyAnswer(offer, answer), true);
    this.#appliedAnswer = answer;
  }

  onFailure(): void {
    // Plain RTP has no transport handshake that can fail; silence is the RTP timeout's business.
  }

  close(): void {
    this.#leg.parentClosed();
  }

  #nextOrigin(): Partial<Omit<SdpOrigin, 'address'>> {
    const o = { ...this.#origin };
    this.#origin = { ...o, sessionVersion: (o.sessionVersion ?? 1) + 1 };
    return o;
  }

  #offer(direction: MediaDirection, first?: string): string {
    const names = first ? [first, ...this.#options.codecs.filter((c) => c !== first)] : this.#options.codecs;
    const sdp = createOffer({
      address: this.#address,
      origin: this.#nextOrigin(),
      media: [
        {
          port: this.#leg.localPort,
          codecs: names.map((n) => CODEC_SPECS[n as keyof typeof CODEC_SPECS]).filter((c) => c !== undefined),
          direction,
          ptime: 20,
          ...(this.#options.srtp ? { crypto: makeCryptoOffer() } : {}),
        },
      ],
    });
    if (!this.#origin.sessionId) this.#origin.sessionId = parseSdp(sdp).origin.sessionId;
    this.#local = sdp;
    return sdp;
  }

  #answer(offer: string): { sdp: string } {
    const answer = createAnswer(offer, {
      address: this.#address,
      origin: this.#nextOrigin(),
      codecOrder: 'local',
      maxCodecs: 1,
      media: {
        audio: {
          port: this.#leg.localPort,
          // On a re-offer keep the codec in use first, so the call stays in passthrough if it was.
          codecs: preferring(this.#options.codecs, this.media.codec?.name as Exclude<CodecName, 'L16'> | undefined).map((n) => CODEC_SPECS[n]),
          ptime: 20,
          srtp: {},
        },
      },
    });
    if (!this.#origin.sessionId) this.#origin.sessionId = answer.description.origin.sessionId;
    this.#connect(answer.media);
    this.#local = answer.sdp;
    this.#pendingOffer = undefined;
    return { sdp: answer.sdp };
  }

  /** Connect the leg to what was negotiated; `answered` = the peer answered our offer (its codec must be one we offered). */
  #connect(negotiated: NegotiatedMedia[], answered = false): void {
    const audio = negotiated.find((m) => m.accepted && m.media === 'audio');
    if (!audio) throw new Error('no audio m-line was accepted');
    const codec = legCodecOf(audio.codec);
    if (!codec) throw new Error(`negotiated codec ${audio.codec?.name} is not one we bridge`);
    if (answered && !(this.#options.codecs as readonly string[]).includes(codec.name)) {
      throw new SdpNegotiationError('answer-mismatch', `the answer chose ${codec.name}, which we did not offer (${this.#options.codecs.join(', ')})`);
    }
    this.#leg.connect(rtpRemoteFromNegotiated(audio));
    this.media.codec = codec;
    this.media.telephoneEvent = audio.telephoneEvent !== undefined;
  }
}
