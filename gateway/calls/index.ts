/**
 * Public face of gateway/calls: the B2BUA — Call (legs + bridge, state machine, CDR), Bridge
 * (passthrough or transcode on the shared media clock), the CallLeg and media contracts, the
 * Router (dialplan) and peer authorisation, the CallRegistry, built-in extensions, the SIP call
 * legs and their media sessions, and B2bua, which turns the SIP stack's INVITEs into calls.
 */
export type { LegCodec, LegMedia, MediaDirection, MediaLeg, MediaLegEvents, MediaRtpPacket, MediaSendRtpOptions } from './media-leg.ts';
export { legCodec } from './leg-codec.ts';
export { codecNameOf, codingRate, frameUnits, pcmRate, samePayloadFormat, FRAME_MS } from './codec-rates.ts';
export { Bridge, type BridgeEvents, type BridgeMode, type BridgeOptions, type BridgeSide, type BridgeStats, type BridgeTap, type BridgeDirectionStats } from './bridge.ts';
export { Transcoder, type TranscoderOptions } from './transcoder.ts';
export { OutTimeline } from './out-timeline.ts';
export type { CallLegBase, CallLegEvents, CallLegStats, InboundLeg, OutboundLeg } from './call-leg.ts';
export { Call, type CallEvents, type CallLogger, type CallOptions, type CallState, type CallStats, type CallTimers } from './call.ts';
export { endReasonForStatus, LOCAL_END_STATUS, reasonHeader, type CallEndReason } from './call-end.ts';
export type { CallDetailRecord, CallDirection, CallEndedBy, LegRecord } from './cdr.ts';
export { CallRegistry, type CallMetrics, type CallRegistryOptions, type CallRegistryStats } from './registry.ts';
export { Router, substitute, type CallSource, type RouteDecision, type RouteRequest, type RouteTarget, type RouterOptions } from './router.ts';
export { PeerAuthorizer, type PeerAuthorizerOptions, type PeerAuthResult } from './peer-auth.ts';
export * from './extensions/index.ts';
export { ExtensionCallLeg, type ExtensionCallLegOptions } from './extensions/extension-call-leg.ts';
export type { MediaSession, ReofferResult } from './sessions/media-session.ts';
export { RtpSession, type RtpSessionOptions } from './sessions/rtp-session.ts';
export type { MediaPolicy } from './sessions/media-policy.ts';
export { WebRtcSession } from './sessions/webrtc-session.ts';
export { SessionFactory, type CodecPolicy, type SessionFactoryOptions, type SessionFactoryStats } from './sessions/session-factory.ts';
export { SipInboundLeg, type SipInboundLegOptions } from './sip/inbound-leg.ts';
export { SipOutboundLeg, type OutboundTarget, type SipOutboundLegOptions } from './sip/outbound-leg.ts';
export { CallerAuthenticator, type CallerAuthResult, type CallerAuthenticatorOptions } from './sip/caller-auth.ts';
export { B2bua, rejectStatus, type B2buaConfig, type B2buaLogger, type B2buaOptions, type B2buaStats, type CallContext, type IncomingCallAnswer, type IncomingCallQuestion } from './b2bua.ts';
export { CallService, type CallLifecycleEvent, type CallServiceOptions } from './control/call-service.ts';
export * from './control/types.ts';
export { BotMediaLeg } from './bot/bot-media-leg.ts';
