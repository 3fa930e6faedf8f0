/**
 * Types of the WebRTC leg's public surface: its events map, the RTP it reports, what `sendRtp`
 * takes, direction changes and stats.
 */
import type { WebRtcLegError } from './errors.ts';
import type { WebRtcAudioCodec, WebRtcCodecName } from './options.ts';
import type { MediaDirection } from './sdp-text.ts';

export type { MediaDirection } from './sdp-text.ts';

/** Where the leg is in its life. */
export type WebRtcLegState = 'new' | 'negotiating' | 'connecting' | 'connected' | 'closed';

/** Why the leg closed. */
export type WebRtcLegCloseReason =
  | 'local' // close() was called
  | 'parent' // parentClosed(): the owning Call closed
  | 'remote' // the peer closed DTLS (close_notify)
  | 'failed'; // ICE/DTLS failure or connect timeout ('failed' was emitted first)

/**
 * One received audio RTP packet. The object and its `payload` view are reused for the next
 * packet: read or copy what you need inside the listener.
 */
export interface WebRtcRtpPacket {
  payloadType: number;
  /** Negotiated codec of `payloadType`. */
  codec: WebRtcCodecName;
  /** RTP clock rate of the codec (48000 for Opus whatever its coded rate). */
  clockRate: number;
  /** Payload bytes (a view into the decrypted packet). */
  payload: Buffer;
  timestamp: number;
  sequenceNumber: number;
  marker: boolean;
  ssrc: number;
}

/** What `sendRtp` needs besides the payload. */
export interface SendRtpOptions {
  /** Payload type to send with; must be negotiated. Default: from `codec`. */
  payloadType?: number;
  /** Codec to send; its negotiated payload type is used. Default: the primary negotiated codec. */
  codec?: WebRtcAudioCodec;
  /**
   * RTP timestamp on the caller's own timeline (codec clock units); the leg adds its random base,
   * so passthrough may hand over the far leg's timestamps unchanged.
   */
  timestamp: number;
  /** Marker bit (start of a talkspurt). Default false. */
  marker?: boolean;
}

/** Reported on a re-offer that changes the remote side's direction. */
export interface DirectionChange {
  /** Direction in the remote offer (from the peer's point of view). */
  remote: MediaDirection;
  /** Direction of our answer. */
  local: MediaDirection;
  /** The peer put the call on hold (offer sendonly or inactive). */
  onHold: boolean;
}

export type WebRtcLegEvents = {
  /** ICE and DTLS are up; media can flow. Once. */
  connected: [];
  /** ICE/DTLS failed, did not connect in time, or the peer went silent; `close('failed')` follows at once. */
  failed: [error: WebRtcLegError];
  /** An audio RTP packet arrived (telephone-event packets are reported as `dtmf` instead). */
  rtp: [packet: WebRtcRtpPacket];
  /** A DTMF key press ended (RFC 4733): '0'–'9', '*', '#', 'A'–'D' or 'flash'; retransmitted end packets are reported once. */
  dtmf: [digit: string, durationMs: number];
  /** A re-offer changed the peer's direction (hold/resume). */
  direction: [change: DirectionChange];
  /** The leg closed. Once. */
  close: [reason: WebRtcLegCloseReason];
};

export interface WebRtcLegStats {
  id: string;
  state: WebRtcLegState;
  /** Codec we send by default, e.g. 'opus' or 'PCMU'. */
  codec: WebRtcAudioCodec | undefined;
  /** Our SSRC. */
  ssrc: number;
  iceRole: 'controlling' | 'controlled' | undefined;
  /** Selected candidate pair as 'ip:port'. */
  localAddress: string | undefined;
  remoteAddress: string | undefined;
  remoteDirection: MediaDirection;
  rtpPacketsReceived: number;
  rtpBytesReceived: number;
  rtpPacketsSent: number;
  rtpBytesSent: number;
  /** sendRtp calls dropped: not connected, or the peer holds the call. */
  rtpSendsDropped: number;
  /** Received packets with a payload type that was not negotiated. */
  rtpUnknownPayloadType: number;
  dtmfReceived: number;
  dtmfSent: number;
  /** ms from the remote description to `connected`. */
  connectMs: number | undefined;
}
