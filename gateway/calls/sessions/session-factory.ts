/**
 * SessionFactory: makes the MediaSession for each SIP leg from the engine's media resources (clock,
 * RTP port pool, advertised address, WebRTC ICE settings) and the codec policy. For an offer we
 * answer, the session kind follows the offer (browser → WebRTC leg, else RTP leg) and the far
 * leg's codec comes first when the offer has it, so the bridge can relay — except that a browser
 * keeps Opus under `codec_policy: opus`. For an offer we make, the caller's offered codecs come
 * first for the same reason. A per-leg MediaPolicy (a peer's `codecs` / `rtp_address`, see
 * ./media-policy.ts) narrows both to the allowed codecs — an offer with none of them is refused
 * with SdpNegotiationError (488) — and replaces the address advertised in that leg's SDP.
 */
import type { CodecName, MediaClock } from '../../../media/index.ts';
import type { RtpPortPool } from '../../rtp/index.ts';
import type { WebRtcAudioCodec, WebRtcLegOptions } from '../../webrtc/index.ts';
import { SdpNegotiationError } from '../../sip/index.ts';
import { isWebRtcOffer, offeredCodecs, preferring, RTP_CODECS, WEBRTC_CODECS, type MediaSession } from './media-session.ts';
import { allowedByPolicy, policyCodecs, policyRefusal, type MediaPolicy } from './media-policy.ts';
import { RtpSession } from './rtp-session.ts';
import { WebRtcSession } from './webrtc-session.ts';

export type CodecPolicy = 'passthrough' | 'opus';

type RtpCodec = Exclude<CodecName, 'L16'>;

/** Options of `forTarget`. */
export interface ForTargetOptions {
  /** Offer SDES-SRTP (RTP legs). Default false. */
  srtp?: boolean;
  id?: string;
  /** Offer only the `preferred` codecs (test phones). Default: the preferred ones, then the others we bridge. */
  only?: boolean;
  /** This leg's media policy (a peer's codecs and rtp_address). Default none. */
  policy?: MediaPolicy;
}

/** The 488 for a policy that leaves a leg no codec to offer. */
function nothingToOffer(policy: MediaPolicy | undefined, kind: string): SdpNegotiationError {
  return new SdpNegotiationError('no-common-media', `no allowed codec (${policy?.codecs?.join(', ')}) can be offered on a ${kind} leg`);
}

export interface SessionFactoryOptions {
  clock: MediaClock;
  ports: RtpPortPool;
  /** Address advertised in SDP for RTP (server.rtp_address). Default: the pool's bind address. */
  rtpAddress?: string;
  /** WebRTC leg settings (host addresses, ICE servers, ICE-lite); codecs are set per leg. */
  webrtc?: Omit<WebRtcLegOptions, 'codecs' | 'id'>;
  /** What a browser leg sends: the far leg's codec when it offered it ('passthrough', default) or always Opus. */
  codecPolicy?: CodecPolicy;
}

export interface SessionFactoryStats {
  /** Sessions made and not yet released. */
  live: number;
  /** Sessions made since creation. */
  made: number;
}

export class SessionFactory {
  readonly #o: SessionFactoryOptions;
  readonly #live = new Set<MediaSession>();
  #made = 0;

  constructor(options: SessionFactoryOptions) {
    this.#o = options;
  }

  getStats(): SessionFactoryStats {
    return { live: this.#live.size, made: this.#made };
  }

  /**
   * Waits until every session made so far that is closed has released its sockets and ports, and
   * forgets them; resolves with how many are still open.
   */
  async settled(): Promise<number> {
    const closed = [...this.#live].filter((s) => s.closed);
    await Promise.all(closed.map((s) => s.released));
    for (const s of closed) this.#live.delete(s);
    return this.#live.size;
  }

  #track<T extends MediaSession>(session: T): T {
    this.#made++;
    this.#live.add(session);
    return session;
  }

  get codecPolicy(): CodecPolicy {
    return this.#o.codecPolicy ?? 'passthrough';
  }

  /**
   * A session to answer `offer` with, preferring `farCodec` (the other leg's negotiated codec).
   * `only` limits the codecs we accept (test phones). Default: every codec we bridge. `policy`
   * (a peer's) limits them to its codecs and sets the advertised address; an offer with none of
   * its codecs throws SdpNegotiationError (488) before any media is allocated.
   */
  async forOffer(offer: string, farCodec: CodecName | undefined, id?: string, only?: readonly CodecName[], policy?: MediaPolicy): Promise<MediaSession> {
    const refusal = policyRefusal(offer, policy);
    if (refusal) throw refusal;
    if (isWebRtcOffer(offer)) {
      const codecs = allowedByPolicy(this.#webrtcCodecs(farCodec), policy).filter((c) => !only || only.includes(c));
      return this.#track(new WebRtcSession({ ...this.#o.webrtc, id, codecs }));
    }
    const offered = offeredCodecs(offer);
    const ours = allowedByPolicy([...offered, ...RTP_CODECS.filter((c) => !offered.includes(c))], policy).filter((c) => !only || only.includes(c));
    return this.#track(
      await RtpSession.create({
        clock: this.#o.clock,
        ports: policy?.ports ?? this.#o.ports,
        address: policy?.rtpAddress ?? this.#o.rtpAddress,
        codecs: preferring(ours, farCodec as RtpCodec | undefined),
        id,
      }),
    );
  }

  /**
   * A session to offer toward a target (a browser or a SIP peer), `preferred` codecs first, then
   * the others we bridge (none with `only`: test phones). With a `policy` (a peer's) the offer
   * lists only its codecs — the preferred ones among them first, then the rest in the policy's
   * order — and advertises its address; none left to offer throws SdpNegotiationError (488).
   */
  async forTarget(kind: 'webrtc' | 'rtp', preferred: readonly CodecName[], options: ForTargetOptions = {}): Promise<MediaSession> {
    const policy = options.policy;
    if (kind === 'webrtc') {
      const first = this.codecPolicy === 'opus' ? undefined : allowedByPolicy(preferred, policy).find((c) => (WEBRTC_CODECS as readonly string[]).includes(c));
      const codecs = allowedByPolicy(this.#webrtcCodecs(first), policy).filter((c) => !options.only || preferred.includes(c));
      if (policy && codecs.length === 0) throw nothingToOffer(policy, kind);
      return this.#track(new WebRtcSession({ ...this.#o.webrtc, id: options.id, codecs }));
    }
    const pref = allowedByPolicy(preferred.filter((c): c is RtpCodec => (RTP_CODECS as readonly string[]).includes(c)), policy);
    const others = (policyCodecs(policy) ?? RTP_CODECS).filter((c) => !pref.includes(c));
    const codecs = options.only ? pref : [...pref, ...others];
    if (policy && codecs.length === 0) throw nothingToOffer(policy, kind);
    return this.#track(
      await RtpSession.create({
        clock: this.#o.clock,
        ports: policy?.ports ?? this.#o.ports,
        address: policy?.rtpAddress ?? this.#o.rtpAddress,
        codecs,
        srtp: options.srtp,
        id: options.id,
      }),
    );
  }

  #webrtcCodecs(far: CodecName | undefined): WebRtcAudioCodec[] {
    if (this.codecPolicy === 'opus') return [...WEBRTC_CODECS];
    return preferring(WEBRTC_CODECS, far as WebRtcAudioCodec | undefined);
  }
}
