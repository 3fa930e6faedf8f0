/**
 * The media contract of gateway/calls. The leg surface itself is gateway/rtp's `MediaLeg`
 * (RtpLeg and WebRtcLeg both implement it: `rtp` events in, `sendRtp` out with the caller's
 * timestamps, RFC 4733 DTMF, lifecycle). What offer/answer decided about a leg — the codec it
 * sends and whether telephone-event was agreed — travels beside it as `LegMedia`, which is what
 * the Bridge connects; the Call updates it on re-negotiation and tells the bridge.
 */
import type { CodecName } from '../../media/index.ts';
import type { MediaLeg } from '../rtp/index.ts';

export type { MediaLeg, MediaLegEvents, MediaRtpPacket, MediaSendRtpOptions } from '../rtp/index.ts';

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** A negotiated payload format of a leg. */
export interface LegCodec {
  name: CodecName;
  payloadType: number;
  /** RTP clock rate (48000 for Opus whatever the coded rate, 8000 for G.722). */
  clockRate: number;
  channels: number;
}

/** A leg's media as the Bridge sees it: the leg plus what offer/answer decided for it. */
export interface LegMedia {
  readonly leg: MediaLeg;
  /** The codec the leg sends (offer/answer being symmetric, also what it receives); undefined until negotiated. */
  codec: LegCodec | undefined;
  /** RFC 4733 telephone-event was negotiated (else DTMF toward this leg goes by SIP INFO). */
  telephoneEvent: boolean;
}
