/**
 * The media surface every call leg shows the calls layer, so its Bridge treats a SIP/RTP leg and
 * a WebRTC leg alike: `rtp` events in (payload level, the packet object reused), `sendRtp` out
 * with the caller's own timestamps (the leg owns SSRC, sequence numbers and a random timestamp
 * base), RFC 4733 DTMF both ways, and a mediasoup-like lifecycle. Modelled on what
 * gateway/webrtc's WebRtcLeg already exposes; `RtpLeg` implements it, and the type test in
 * `media-leg.test.ts` checks that both legs fit.
 */

/** One received audio RTP packet; the object and `payload` view are reused for the next one. */
export interface MediaRtpPacket {
  payloadType: number;
  /** Negotiated codec of `payloadType`, e.g. 'PCMU', 'opus'. */
  codec: string;
  /** RTP clock rate of the codec (48000 for Opus, 8000 for G.722). */
  clockRate: number;
  /** Payload bytes (a view into the received datagram, decrypted). */
  payload: Uint8Array;
  timestamp: number;
  sequenceNumber: number;
  marker: boolean;
  ssrc: number;
}

/** What `sendRtp` needs besides the payload. */
export interface MediaSendRtpOptions {
  /** Payload type to send with; must be the negotiated one. Default: the negotiated codec's. */
  payloadType?: number;
  /** RTP timestamp on the caller's timeline (codec clock units); the leg adds its random base. */
  timestamp: number;
  /** Marker bit (start of a talkspurt). Default false. */
  marker?: boolean;
}

/** Events every media leg emits (legs may emit more). */
export type MediaLegEvents = {
  /** An audio RTP packet arrived (telephone-event packets come as `dtmf` instead). */
  rtp: [packet: MediaRtpPacket];
  /** A DTMF key press ended: '0'–'9', '*', '#', 'A'–'D' or 'flash', and how long it lasted. */
  dtmf: [digit: string, durationMs: number];
  /** The leg closed, once; the reason names who closed it. */
  close: [reason: string];
};

/** The calls layer's view of a leg's media. */
export interface MediaLeg {
  readonly id: string;
  readonly closed: boolean;
  /** Send one payload; false (and counted) when the leg cannot send now (not connected, on hold). */
  sendRtp(payload: Uint8Array, options: MediaSendRtpOptions): boolean;
  /** Send RFC 4733 digits, `durationMs` each; resolves when the last end packet went out. */
  sendDtmf(digits: string, durationMs?: number): Promise<void>;
  /** Close (idempotent); emits `close('local')`. */
  close(): void;
  /** Close because the owning Call closed (idempotent); emits `close('parent')`. */
  parentClosed(): void;
  on(event: 'rtp', listener: (...args: MediaLegEvents['rtp']) => void): this;
  on(event: 'dtmf', listener: (...args: MediaLegEvents['dtmf']) => void): this;
  on(event: 'close', listener: (...args: MediaLegEvents['close']) => void): this;
  off(event: 'rtp', listener: (...args: MediaLegEvents['rtp']) => void): this;
  off(event: 'dtmf', listener: (...args: MediaLegEvents['dtmf']) => void): this;
  off(event: 'close', listener: (...args: MediaLegEvents['close']) => void): this;
}
