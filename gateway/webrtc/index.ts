/**
 * Public face of gateway/webrtc: browser call legs on werift with explicit ICE settings.
 */
export { WebRtcLeg } from './webrtc-leg.ts';
export { WebRtcLegError, type WebRtcLegErrorCode } from './errors.ts';
export {
  resolveWebRtcLegOptions,
  type ResolvedWebRtcLegOptions,
  type WebRtcAudioCodec,
  type WebRtcCodecName,
  type WebRtcIceServer,
  type WebRtcLegOptions,
} from './options.ts';
export type { NegotiatedCodec } from './codecs.ts';
export type {
  DirectionChange,
  MediaDirection,
  SendRtpOptions,
  WebRtcLegCloseReason,
  WebRtcLegEvents,
  WebRtcLegState,
  WebRtcLegStats,
  WebRtcRtpPacket,
} from './types.ts';
