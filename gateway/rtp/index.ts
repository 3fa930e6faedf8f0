/**
 * Public face of gateway/rtp: plain RTP/RTCP sessions toward SIP peers — the port pool, RtpLeg
 * (symmetric latching, RTCP, RFC 4733, SDES-SRTP, timeouts, hold) and the shared media-leg
 * interface the calls layer's Bridge uses for every kind of leg.
 */
export { RtpLeg, type RtpLegCloseReason, type RtpLegEvents, type RtpLegRtpPacket, type RtpLegStats } from './rtp-leg.ts';
export { RtpPortPool, type RtpPortAllocation, type RtpPortPoolOptions, type RtpPortPoolStats } from './port-pool.ts';
export { RtpError, type RtpErrorCode } from './errors.ts';
export {
  resolveRtpLegOptions,
  type ResolvedRtpLegOptions,
  type RtpDirection,
  type RtpLegCodec,
  type RtpLegCodecName,
  type RtpLegOptions,
  type RtpLegRemote,
  type RtpLegSrtp,
} from './options.ts';
export { rtpRemoteFromNegotiated, srtpFromCrypto } from './sdes-srtp.ts';
export type { MediaLeg, MediaLegEvents, MediaRtpPacket, MediaSendRtpOptions } from './media-leg.ts';
export { LatchVerdict, SourceLatch } from './source-latch.ts';
export { queryMappedAddress, readBindingResponse, bindingRequest, StunError, type StunServer, type MappedAddress, type StunQueryOptions } from './stun-client.ts';
