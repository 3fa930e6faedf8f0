/**
 * SDP for Patchbay's SIP stack: a typed session model on sdp-transform, RFC 3264 offer/answer
 * (createOffer, createAnswer, applyAnswer), hold detection, SDES a=crypto and o= versioning.
 */
export type {
  DtlsSetup,
  MediaDirection,
  MediaProtocol,
  SdesKey,
  SdpCandidate,
  SdpCodec,
  SdpCrypto,
  SdpDtls,
  SdpExtmap,
  SdpIce,
  SdpMedia,
  SdpOrigin,
  SdpSession,
  SdpSsrc,
} from './types.ts';
export { SdpNegotiationError, SdpParseError, type SdpNegotiationFailure } from './errors.ts';
export { parseSdp } from './parse.ts';
export { writeSdp } from './write.ts';
export {
  codecMatches,
  isAuxiliaryCodec,
  isTelephoneEvent,
  parseFmtp,
  staticCodec,
  staticPayloadType,
  type CodecSpec,
} from './codecs.ts';
export { SDES_SUITES, formatCrypto, generateSdesKey, isValidSdesKey, parseCrypto } from './crypto.ts';
export {
  answerDirection,
  effectiveDirection,
  holdDirection,
  intersectDirections,
  isHold,
  isLegacyHoldAddress,
  isMediaOnHold,
  resumeDirection,
  reverseDirection,
} from './direction.ts';
export { bumpSessionVersion, newSessionId, sessionVersionOf } from './version.ts';
export {
  createOffer,
  createOfferDescription,
  makeCryptoOffer,
  type LocalIce,
  type MediaOffer,
  type OfferOptions,
} from './offer.ts';
export {
  createAnswer,
  type AnswerCapabilities,
  type MediaCapabilities,
  type SdpAnswer,
} from './answer.ts';
export { applyAnswer } from './apply-answer.ts';
export { primaryCodec, telephoneEventFor, telephoneEvents, type NegotiatedMedia } from './negotiated.ts';
