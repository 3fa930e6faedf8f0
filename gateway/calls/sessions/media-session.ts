/**
 * MediaSession: a leg's media together with its SDP offer/answer — what the SIP call legs drive.
 * Two kinds exist: `rtp` (an RtpLeg; the SDP is ours, built with gateway/sip/sdp) and `webrtc`
 * (a WebRtcLeg; werift writes the SDP). Both expose the negotiated `LegMedia` for the Bridge and
 * the same steps: answer an offer, make an offer and apply its answer, answer a re-offer, make a
 * re-offer for hold/resume. Plus the codec vocabulary they share.
 */
import type { CodecName } from '../../../media/index.ts';
import type { CodecSpec } from '../../sip/index.ts';
import type { WebRtcAudioCodec } from '../../webrtc/index.ts';
import { parseSdp } from '../../sip/index.ts';
import { codecNameOf } from '../codec-rates.ts';
import type { LegCodec, LegMedia, MediaDirection } from '../media-leg.ts';

/** What answering a re-offer changed. */
export interface ReofferResult {
  /** Our answer. */
  sdp: string;
  /** The direction the peer offered (its point of view). */
  remoteDirection: MediaDirection;
  /** Whether the codec we send changed (the bridge must reconfigure). */
  codecChanged: boolean;
}

export interface MediaSession {
  readonly kind: 'rtp' | 'webrtc';
  /** The leg and, once negotiated, its codec. */
  readonly media: LegMedia;
  readonly closed: boolean;
  /** Answer the peer's initial offer. */
  answer(offer: string): Promise<string>;
  /** Our initial offer. */
  createOffer(): Promise<string>;
  /** Apply the answer to our initial offer (from a 183 or the 200; the same answer twice is a no-op). */
  applyAnswer(answer: string): Promise<void>;
  /** Answer a re-offer within the dialog. */
  handleReoffer(offer: string): Promise<ReofferResult>;
  /** A re-offer of ours with `direction` (hold toward the peer, or resume). */
  reoffer(direction: MediaDirection): Promise<string>;
  /** Apply the answer to our re-offer. */
  applyReanswer(answer: string): Promise<void>;
  /** Called once if the media transport fails (ICE/DTLS); never for plain RTP. */
  onFailure(listener: (reason: string) => void): void;
  /** Close the leg because its call closed (idempotent). */
  close(): void;
  /** Resolves once sockets/ports are released after close. */
  readonly released: Promise<void>;
}

/** The codecs we bridge, as SDP describes them (for offers and answers of RTP legs). */
export const CODEC_SPECS: Readonly<Record<Exclude<CodecName, 'L16'>, CodecSpec>> = {
  PCMU: { name: 'PCMU', clockRate: 8000 },
  PCMA: { name: 'PCMA', clockRate: 8000 },
  G722: { name: 'G722', clockRate: 8000 },
  opus: { name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' },
};

/** Codecs an RTP leg can carry, in our default preference. */
export const RTP_CODECS: readonly Exclude<CodecName, 'L16'>[] = ['PCMU', 'PCMA', 'G722', 'opus'];

/** Codecs a WebRTC (browser) leg can carry, in our default preference. */
export const WEBRTC_CODECS: readonly WebRtcAudioCodec[] = ['opus', 'PCMU', 'PCMA'];

/** The LegCodec of an SDP codec we carry, or undefined. */
export function legCodecOf(codec: { pt: number; name: string; clockRate: number; channels: number } | undefined): LegCodec | undefined {
  if (!codec) return undefined;
  const name = codecNameOf(codec.name);
  if (!name || name === 'L16') return undefined;
  return { name, payloadType: codec.pt, clockRate: codec.clockRate, channels: codec.channels };
}

/** `first` moved to the front of `list` when it is in it (a preference for the far leg's codec). */
export function preferring<T extends string>(list: readonly T[], first: T | undefined): T[] {
  if (first === undefined || !list.includes(first)) return [...list];
  return [first, ...list.filter((c) => c !== first)];
}

/** The codecs of an offer's first audio m-line that we carry, in the offer's order. */
export function offeredCodecs(offer: string): Exclude<CodecName, 'L16'>[] {
  const audio = parseSdp(offer).media.find((m) => m.media === 'audio' && m.port !== 0);
  const out: Exclude<CodecName, 'L16'>[] = [];
  for (const c of audio?.codecs ?? []) {
    const name = codecNameOf(c.name);
    if (name && name !== 'L16' && !out.includes(name)) out.push(name);
  }
  return out;
}

/** Whether an offer is a browser's (DTLS-SRTP over ICE: UDP/TLS/RTP/SAVPF with a fingerprint). */
export function isWebRtcOffer(offer: string): boolean {
  const audio = parseSdp(offer).media.find((m) => m.media === 'audio');
  return audio !== undefined && (/TLS\/RTP\/SAVPF?$/i.test(audio.protocol) || audio.dtls !== undefined);
}

/** The direction of the first audio m-line of a description (its author's point of view). */
export function audioDirectionOf(sdp: string): MediaDirection {
  const audio = parseSdp(sdp).media.find((m) => m.media === 'audio');
  if (!audio) return 'inactive';
  const legacyHold = (audio.address === '0.0.0.0' || audio.address === '::') && audio.ice === undefined;
  if (legacyHold) return audio.direction === 'sendrecv' || audio.direction === 'sendonly' ? 'sendonly' : 'inactive';
  return audio.direction;
}
