/**
 * The outcome of offer/answer for one m-line, from our side — the same shape whether we answered
 * (`createAnswer`) or offered (`applyAnswer`): accepted or not, the codec to send, telephone-event,
 * where to send RTP/RTCP, which SRTP keys or DTLS role, and the direction we may use.
 */
import { isAuxiliaryCodec, isTelephoneEvent } from './codecs.ts';
import type { MediaDirection, SdpCodec, SdpCrypto, SdpIce, SdpMedia } from './types.ts';

export interface NegotiatedMedia {
  /** Position of the m-line (same in offer and answer). */
  index: number;
  media: string;
  mid?: string;
  /** False when either side set port 0 (or nothing was common). */
  accepted: boolean;
  protocol: string;
  /** What we may do: send and/or receive. */
  direction: MediaDirection;
  /** The first real codec of the answer: the one to send (payload type as negotiated). */
  codec?: SdpCodec;
  /** Every payload format of the answer, in its order. */
  codecs: SdpCodec[];
  /** telephone-event at the codec's clock rate if there is one, else the first one. */
  telephoneEvent?: SdpCodec;
  /** Our side of the m-line. */
  local: { address: string; port: number };
  /** The peer: where to send, how it wants it. */
  remote: {
    address: string;
    port: number;
    /** RTCP destination (port+1 unless a=rtcp or rtcp-mux says otherwise). */
    rtcpAddress: string;
    rtcpPort: number;
    /** The peer's preferred packet time. */
    ptime?: number;
    ice?: SdpIce;
    ssrcs: number[];
  };
  /** RTP and RTCP share one port (both sides agreed to a=rtcp-mux). */
  rtcpMux: boolean;
  /** SDES: our key (we encrypt with it) and the peer's (we decrypt with it). */
  srtp?: { suite: string; local: SdpCrypto; remote: SdpCrypto };
  /** DTLS-SRTP: our role (active = client) and the peer's certificate fingerprint. */
  dtls?: { role: 'client' | 'server'; remoteFingerprint: { algorithm: string; value: string } };
}

/** First non-auxiliary codec (not telephone-event, CN, red, FEC, rtx). */
export function primaryCodec(codecs: SdpCodec[]): SdpCodec | undefined {
  return codecs.find((c) => !isAuxiliaryCodec(c));
}

/** telephone-event matching `codec`'s clock if possible, else the first telephone-event. */
export function telephoneEventFor(codecs: SdpCodec[], codec: SdpCodec | undefined): SdpCodec | undefined {
  const events = codecs.filter(isTelephoneEvent);
  return events.find((e) => e.clockRate === codec?.clockRate) ?? events[0];
}

/** The telephone-event payload formats of an m-line. */
export function telephoneEvents(media: SdpMedia): SdpCodec[] {
  return media.codecs.filter(isTelephoneEvent);
}

/** The `remote` block for a peer's m-line. */
export function remoteOf(m: SdpMedia, rtcpMux: boolean): NegotiatedMedia['remote'] {
  const remote: NegotiatedMedia['remote'] = {
    address: m.address,
    port: m.port,
    rtcpAddress: rtcpMux ? m.address : (m.rtcp?.address ?? m.address),
    rtcpPort: rtcpMux ? m.port : (m.rtcp?.port ?? m.port + 1),
    ssrcs: [...new Set(m.ssrcs.map((s) => s.id))],
  };
  if (m.ptime !== undefined) remote.ptime = m.ptime;
  if (m.ice) remote.ice = m.ice;
  return remote;
}
